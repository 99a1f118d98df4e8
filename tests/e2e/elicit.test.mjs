// The write tools' confirmation by a person (issue 10, contrib/WRITES.md):
// through the official MCP SDK client with capabilities.elicitation and
// an ElicitRequestSchema handler, against the simulator.  Accept sends
// the audited change; decline and cancel send nothing to Salesforce; a
// client without the capability is never sent elicitation/create; a
// person slower than the call's deadline gets the elicitation cancelled
// and nothing sent.
//
// Until the writer answers WR_UPDATE (its handlers land with the same
// issue), every test here is skipped at run time, with the writer's own
// refusal as the reason: the probe asks the running server, it is not a
// constant.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startSim, simEnv, textOf, BIN, spawnRaw, initialize } from './lib.mjs';

let sim;
const opened = [];
let opp;		// an Opportunity of the simulator
let writerRefusal = null;	// "writes are not enabled ...", or null

before(async () => {
  sim = await startSim();
  const opps = await sim.records('Opportunity');
  opp = opps.find((o) => !o.IsClosed) || opps[0];
  // The probe: a dry run reaches the writer and sends nothing.
  const { client } = await connect({});
  const r = await client.callTool({ name: 'update_field', arguments: args({ dry_run: true }) });
  const text = textOf(r);
  if (r.isError && /writes are not enabled/.test(text)) writerRefusal = text;
  await client.close();
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

function args(extra = {}) {
  return {
    object_type: 'Opportunity', object_id: opp.Id, field_name: 'NextStep',
    new_value: 'Send the revised proposal ' + Math.random().toString(36).slice(2, 8),
    justification: 'The buyer asked for a revised proposal on the call', ...extra,
  };
}

/**
 * An SDK client with these capabilities; handler answers elicitation/create
 * (it is registered only when the capability is declared, as the SDK
 * requires).  Every request the server sends is recorded in seen.
 */
async function connect(capabilities, handler = null, env = {}) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
  const journal = join(mkdtempSync(join(tmpdir(), 'elicit-')), 'journal.jsonl');
  const transport = new StdioClientTransport({ command: BIN, args: [], env: simEnv(sim, { SFDC_JOURNAL: journal, ...env }), stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'elicit-e2e', version: '2.0.1' }, { capabilities });
  const seen = [];
  if (handler) client.setRequestHandler(ElicitRequestSchema, handler);
  // Every message from the server passes here first.
  const origStart = transport.start.bind(transport);
  transport.start = async () => {
    await origStart();
    const orig = transport.onmessage;
    transport.onmessage = (m, extra) => {
      if (m.method) seen.push(m);
      orig(m, extra);
    };
  };
  await client.connect(transport);
  opened.push(client);
  return { client, seen, get stderr() { return stderr; } };
}

const composites = (log) => log.filter((e) => e.method === 'POST' && /\/composite$/.test(e.path));

test('the server declares tools.listChanged and lists both write tools', async (t) => {
  const { client } = await connect({});
  assert.equal(client.getServerCapabilities().tools.listChanged, true);
  const { tools } = await client.listTools();
  const u = tools.find((x) => x.name === 'update_field');
  const n = tools.find((x) => x.name === 'add_note');
  assert.ok(u && n);
  assert.equal(u.annotations.readOnlyHint, false);
  assert.equal(u.annotations.destructiveHint, true);
  assert.equal(n.annotations.destructiveHint, false);
  assert.deepEqual(u.inputSchema.properties.new_value.type, ['string', 'number', 'boolean', 'null']);
  assert.deepEqual(u.inputSchema.required, ['object_type', 'object_id', 'field_name', 'new_value', 'justification']);
  if (writerRefusal) t.diagnostic('writer: ' + writerRefusal);
});

test('a response to no request of ours is logged and dropped; the session goes on', async () => {
  const s = spawnRaw(simEnv(sim));
  try {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 'sfr-99', result: { action: 'accept', content: { confirm: true } } });
    s.send({ jsonrpc: '2.0', id: 7, error: { code: -32601, message: 'nope' } });
    s.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const r = await s.next();
    assert.deepEqual(r, { jsonrpc: '2.0', id: 1, result: {} });
    assert.ok(await s.silent(200), 'nothing is answered to a response');
    assert.match(s.stderr, /dropped a response to \\"sfr-99\\"/);
    assert.match(s.stderr, /dropped a response to 7/);
  } finally {
    await s.close();
  }
});

test('argument errors end the call before anything is sent', async () => {
  const { client } = await connect({ elicitation: {} }, async () => { throw new Error('never asked'); });
  await sim.clearLog();
  let r = await client.callTool({ name: 'update_field', arguments: args({ justification: '  too short ' }) });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /justification' must say why in at least 10 characters.*got 9/);
  r = await client.callTool({ name: 'update_field', arguments: args({ object_type: 'Task' }) });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /object_type' must be one of Account, Opportunity, Contact or Lead/);
  r = await client.callTool({ name: 'update_field', arguments: args({ object_id: '001000000000001' }) });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /not a valid Opportunity ID/);
  r = await client.callTool({ name: 'add_note', arguments: { object_type: 'Account', object_id: '001000000000001', body: 'x'.repeat(32769) } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /body/);
  // The writer's own start-up check of the audit object may land here.
  const startup = (e) => e.path.endsWith('/sobjects/Cleanup_Audit__c/describe');
  assert.deepEqual((await sim.log()).filter((e) => e.path.startsWith('/services/data/') && !startup(e)), [], 'no request reached the org');
});

test('SFDC_CONFIRM_WRITES other than elicit or never is refused at start-up', async () => {
  const s = spawnRaw(simEnv(sim, { SFDC_CONFIRM_WRITES: 'sometimes' }));
  const { code } = await s.exited;
  assert.notEqual(code, 0);
  assert.match(s.stderr, /SFDC_CONFIRM_WRITES must be elicit or never/);
});

test('SFDC_CONFIRM_WRITES=never: a client with elicitation is not asked', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  let n = 0;
  const { client } = await connect({ elicitation: {} }, async () => { n++; return { action: 'decline' }; }, { SFDC_CONFIRM_WRITES: 'never' });
  const a = args();
  const r = await client.callTool({ name: 'update_field', arguments: a });
  assert.equal(n, 0);
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.status, 'applied');
  assert.match(r.structuredContent.confirmation, /^not asked: SFDC_CONFIRM_WRITES is never/);
  opp = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
});

test('accept: the person sees the change, and it is sent with its audit row', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  const asked = [];
  const { client } = await connect({ elicitation: {} }, async (req) => {
    asked.push(req.params);
    return { action: 'accept', content: { confirm: true } };
  });
  const a = args();
  await sim.clearLog();
  const r = await client.callTool({ name: 'update_field', arguments: a });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(asked.length, 1);
  const m = asked[0].message;
  for (const part of ['Opportunity', opp.Id, 'NextStep', 'Next Step', a.new_value, a.justification]) assert.ok(m.includes(part), `the message shows ${part}: ${m}`);
  if (opp.NextStep) assert.ok(m.includes(opp.NextStep), 'and the old value');
  assert.equal(asked[0].requestedSchema.type, 'object');
  assert.equal(asked[0].requestedSchema.properties.confirm.type, 'boolean');
  assert.equal(r.structuredContent.status, 'applied');
  assert.match(r.structuredContent.audit_id, /^[A-Za-z0-9]{18}$/);
  assert.match(textOf(r), /^Updated Opportunity /);
  assert.equal(composites(await sim.log()).length, 1, 'one composite request');
  const now = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
  assert.equal(now.NextStep, a.new_value);
  opp = now;
});

for (const [what, answer] of [
  ['decline', { action: 'decline' }],
  ['cancel', { action: 'cancel' }],
  ['accept without confirming', { action: 'accept', content: { confirm: false } }],
]) {
  test(`${what}: a normal result, and nothing is sent to Salesforce`, async (t) => {
    if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
    let n = 0;
    const { client } = await connect({ elicitation: {} }, async () => { n++; return answer; });
    const before = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
    await sim.clearLog();
    const r = await client.callTool({ name: 'update_field', arguments: args() });
    assert.equal(n, 1);
    assert.equal(r.isError, false, textOf(r));
    // Cancel is its own outcome (WR_COMMIT decision 3); both send nothing.
    assert.equal(r.structuredContent.status, what === 'cancel' ? 'cancelled' : 'declined');
    assert.match(textOf(r), /^Not changed: .*nothing was sent/);
    assert.equal(composites(await sim.log()).length, 0, 'no composite request');
    const after = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
    assert.equal(after.NextStep, before.NextStep);
  });
}

test('absent capability: elicitation/create is never sent; the result says so', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  const { client, seen } = await connect({});
  const a = args();
  const r = await client.callTool({ name: 'update_field', arguments: a });
  assert.deepEqual(seen.filter((m) => m.method === 'elicitation/create'), [], 'no elicitation request');
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.status, 'applied');
  assert.match(r.structuredContent.confirmation, /^not asked: .*elicitation/);
  opp = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
  assert.equal(opp.NextStep, a.new_value);
});

test('2025-11-25 url-only elicitation is no form: never asked', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  const { client, seen } = await connect({ elicitation: { url: {} } }, async () => ({ action: 'accept', content: { confirm: true } }));
  const r = await client.callTool({ name: 'add_note', arguments: { object_type: 'Opportunity', object_id: opp.Id, body: 'Call notes\nThe buyer wants the revised proposal.' } });
  assert.deepEqual(seen.filter((m) => m.method === 'elicitation/create'), []);
  assert.equal(r.isError, false, textOf(r));
  assert.match(r.structuredContent.confirmation, /^not asked/);
});

test('a person slower than the call deadline: the call fails, the elicitation is cancelled, nothing is sent', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  let aborted = false;
  const { client, seen } = await connect({ elicitation: {} }, async (req, extra) => {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 5000);
      extra.signal.addEventListener('abort', () => { aborted = true; clearTimeout(timer); resolve(); });
    });
    return { action: 'accept', content: { confirm: true } };
  }, { SFDC_CALL_TIMEOUT_MS: '1500' });
  await sim.clearLog();
  const before = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
  const r = await client.callTool({ name: 'update_field', arguments: args() });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /took longer than 1\.5 s/);
  await delay(200);
  assert.ok(seen.some((m) => m.method === 'notifications/cancelled'), 'the server cancelled its elicitation');
  assert.ok(aborted, "the SDK aborted the person's prompt");
  await delay(4000);
  assert.equal(composites(await sim.log()).length, 0, 'no composite request, even after the person would have accepted');
  const after = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
  assert.equal(after.NextStep, before.NextStep);
});

test('the client name and version reach the writer as "performed by"', async (t) => {
  if (writerRefusal) return t.skip('the writer refuses: ' + writerRefusal);
  const { client } = await connect({ elicitation: {} }, async () => ({ action: 'accept', content: { confirm: true } }));
  const r = await client.callTool({ name: 'update_field', arguments: args() });
  assert.equal(r.isError, false, textOf(r));
  const audits = await sim.records('Cleanup_Audit__c');
  const row = audits.find((x) => x.Id === r.structuredContent.audit_id);
  assert.ok(row, 'the audit row is in the org');
  assert.match(row.Performed_By__c, /elicit-e2e 2\.0\.1/);
});

// ---------------------------------------------------------------------
// The front alone: the test is its parent and plays the broker and the
// writer on its channels (as frames.test.mjs plays the front), and the
// client on its stdio.  This checks the front's half of the contract
// (routing to the writer, WR_STATUS, the elicitation round trip, the
// deadline and cancellation while the person thinks) with the writer's
// answers written here by hand from contrib/WRITES.md.  It is not the
// end-to-end proof of the writes: the tests above are, with the real
// writer.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { T, ROLE, u32, str, frame, FrameReader as Frames } from './ipc.mjs';

class Lines {
  constructor(stream) {
    this.buf = ''; this.msgs = []; this.waiters = [];
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) !== -1) {
        this.msgs.push(JSON.parse(this.buf.slice(0, i)));
        this.buf = this.buf.slice(i + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }
  async next(pred, ms = 5000) {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.msgs.findIndex(pred);
      if (i !== -1) return this.msgs.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise((r) => { this.waiters.push(r); setTimeout(r, left); });
    }
  }
}

const frontPath = join(dirname(BIN), 'sfrevops-mcp-front');
const haveFront = existsSync(frontPath);

/** The front child, its parent, broker and writer played here. */
async function startFront(config = {}) {
  const env = {};
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k];
  const proc = spawn(frontPath, ['-R', 'front'], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const parent = proc.stdio[3];
  const broker = proc.stdio[4];
  const writer = proc.stdio[5];
  const fromParent = new Frames(parent);
  const fromWriter = new Frames(writer);
  const fromBroker = new Frames(broker);
  const out = new Lines(proc.stdout);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.once('exit', (code, sig) => r({ code, sig })));
  parent.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.parent)])));
  parent.write(frame(T.CONFIG, 0, str(JSON.stringify({
    instance_url: 'https://127.0.0.1:9', login_url: 'https://127.0.0.1:9', api_version: 'v60.0',
    audit_object: 'Cleanup_Audit__c', commit_stage: 'Commit', fls_mode: 'security_enforced',
    log_level: 'debug', auth_flow: 'access_token', http_timeout_ms: 60000,
    call_timeout_ms: 120000, max_transfers: 6, ...config,
  }))));
  broker.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.broker)])));
  writer.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.writer)])));
  const ready = await fromParent.next((f) => f.type === T.READY, 10000);
  assert.ok(ready, 'the front became ready: ' + stderr);
  assert.ok(await fromWriter.next((f) => f.type === T.HELLO), 'the front greets the writer');
  assert.ok(await fromBroker.next((f) => f.type === T.HELLO), 'and the broker');
  // The broker's one part here: who the org is (every result names it).
  const identity = setInterval(() => {
    let i;
    while ((i = fromBroker.frames.findIndex((x) => x.type === T.SF_IDENTITY)) !== -1) {
      const q = fromBroker.frames.splice(i, 1)[0];
      broker.write(frame(T.SF_IDENTITY_R, q.id, str(JSON.stringify({
        user_id: '005000000000001AAA', username: 'integration@example.com', name: 'Integration', zoneinfo: 'GMT',
        organization_id: '00D000000000001AAA', org_name: 'Test org', is_sandbox: true, org_type: 'Developer Edition', instance: '127.0.0.1',
      }))));
    }
  }, 5);
  let nextId = 100;
  const f = {
    proc, out, fromWriter, fromBroker,
    logs() { return fromParent.frames.filter((x) => x.type === T.LOG).map((x) => x.data.subarray(8).toString()).join(''); },
    send(m) { proc.stdin.write(JSON.stringify(m) + '\n'); },
    async rpc(method, params) {
      const id = nextId++;
      f.send({ jsonrpc: '2.0', id, method, params });
      return out.next((m) => m.id === id && !m.method);
    },
    async init(capabilities = {}, clientInfo = { name: 'front-test', version: '0.9' }, protocolVersion = '2025-11-25') {
      const r = await f.rpc('initialize', { protocolVersion, capabilities, clientInfo });
      f.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      return r;
    },
    status(obj) { writer.write(frame(T.WR_STATUS, 0, str(JSON.stringify(obj)))); },
    answer(type, id, obj) { writer.write(frame(type, id, str(JSON.stringify(obj)))); },
    async stop() {
      clearInterval(identity);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin.end();
        parent.write(frame(T.SHUTDOWN, 0));
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      assert.doesNotMatch(stderr, /Sanitizer|runtime error/, 'the sanitizers found nothing');
    },
  };
  return f;
}

const withoutOrg = (t) => t.replace(/^Org: [^\n]*\n/, '');
const planOf = (confirm) => ({
  plan_id: 'p_0123456789abcdef0123456789abcdef', attempt_id: 'w_0123456789abcdef01234567',
  object_type: 'Opportunity', object_id: '006000000000001AAA', field_name: 'NextStep', field_label: 'Next Step',
  old_value: 'Call back', new_value: 'Send the proposal', justification: 'agreed on the call of Monday', confirm,
  payload: { allOrNone: true, collateSubrequests: false, compositeRequest: [] },
});
const updateArgs = { object_type: 'Opportunity', object_id: '006000000000001', field_name: 'NextStep', new_value: 'Send the proposal', justification: 'agreed on the call of Monday' };
const commitOf = (fr) => ({ plan: fr.data.subarray(4, 4 + fr.data.readUInt32LE(0)).toString(), decision: fr.data.readUInt32LE(4 + fr.data.readUInt32LE(0)) });

/** A tools/call of update_field, to the point where the writer has the request. */
async function callUpdate(f, id) {
  f.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'update_field', arguments: updateArgs } });
  const req = await f.fromWriter.next((x) => x.type === T.WR_UPDATE);
  assert.ok(req, 'the front sent WR_UPDATE to the writer');
  return req;
}

test('front alone: WR_UPDATE goes to the writer with the client; accept -> decision 1 -> the outcome', { skip: !haveFront && 'no built front' }, async () => {
  const f = await startFront();
  try {
    const longName = 'Desk\u0007top\nClient ' + 'n'.repeat(300);
    const init = await f.init({ elicitation: {} }, { name: longName, version: '1.2.3' });
    assert.equal(init.result.capabilities.tools.listChanged, true);
    const req = await callUpdate(f, 1);
    assert.equal(req.data.readUInt32LE(0), 0, 'no REQ_DRY_RUN');
    const j = JSON.parse(req.data.subarray(8).toString());
    assert.equal(j.object_id, '006000000000001AAA', 'the 18-character ID');
    assert.ok(Buffer.byteLength(j.client) <= 120 && !/[\u0000-\u001f]/.test(j.client), `one line, at most 120 bytes: ${j.client}`);
    assert.match(j.client, /^Desk top Client n+$/);
    assert.equal(f.fromBroker.frames.filter((x) => x.type !== T.SF_IDENTITY).length, 0, 'nothing but the identity went to the broker');
    f.answer(T.WR_UPDATE_R, req.id, planOf(true));
    const el = await f.out.next((m) => m.method === 'elicitation/create');
    assert.ok(el, 'the person is asked');
    assert.equal(el.id, 'sfr-1');
    assert.equal(el.params.mode, 'form');
    assert.match(el.params.message, /Record: Opportunity 006000000000001AAA\nField: Next Step \(NextStep\)\nOld value: 'Call back'\nNew value: 'Send the proposal'\nJustification: agreed on the call of Monday/);
    assert.deepEqual(el.params.requestedSchema.required, ['confirm']);
    f.send({ jsonrpc: '2.0', id: el.id, result: { action: 'accept', content: { confirm: true } } });
    const c = await f.fromWriter.next((x) => x.type === T.WR_COMMIT);
    assert.deepEqual(commitOf(c), { plan: 'p_0123456789abcdef0123456789abcdef', decision: 1 });
    f.answer(T.WR_COMMIT_R, c.id, { status: 'applied', attempt_id: 'w_0123456789abcdef01234567', audit_id: 'a0X000000000001AAA', old_value: 'Call back', new_value: 'Send the proposal' });
    const r = await f.out.next((m) => m.id === 1);
    assert.equal(r.result.isError, false);
    assert.equal(r.result.structuredContent.status, 'applied');
    assert.match(r.result.content[0].text, /^Org: 127\.0\.0\.1 00D000000000001AAA sandbox\n/, 'the org first');
    assert.match(withoutOrg(r.result.content[0].text), /^Updated Opportunity 006000000000001AAA NextStep: 'Call back' -> 'Send the proposal' \(audit a0X000000000001AAA, attempt w_0123456789abcdef01234567\)/);
  } finally {
    await f.stop();
  }
});

test('front alone: content the schema refuses, an error response, decline -> decisions 3, 3, 2', { skip: !haveFront && 'no built front' }, async () => {
  const f = await startFront();
  try {
    await f.init({ elicitation: { form: {} } });
    const answers = [
      [{ result: { action: 'accept', content: { confirm: 'yes' } } }, 3],
      [{ error: { code: -32603, message: 'the dialog crashed' } }, 3],
      [{ result: { action: 'decline' } }, 2],
    ];
    let id = 10;
    for (const [answer, decision] of answers) {
      const req = await callUpdate(f, id);
      f.answer(T.WR_UPDATE_R, req.id, planOf(true));
      const el = await f.out.next((m) => m.method === 'elicitation/create');
      f.send({ jsonrpc: '2.0', id: el.id, ...answer });
      const c = await f.fromWriter.next((x) => x.type === T.WR_COMMIT);
      assert.equal(commitOf(c).decision, decision, JSON.stringify(answer));
      f.answer(T.WR_COMMIT_R, c.id, { status: 'declined', attempt_id: 'w_0123456789abcdef01234567' });
      const r = await f.out.next((m) => m.id === id);
      assert.equal(r.result.isError, false);
      assert.match(withoutOrg(r.result.content[0].text), /^Not changed: .*nothing was sent to Salesforce/);
      id++;
    }
    assert.match(f.logs(), /does not match the requested schema/);
  } finally {
    await f.stop();
  }
});

test('front alone: no capability (or 2025-03-26, or url only): never elicitation/create, decision 4', { skip: !haveFront && 'no built front' }, async () => {
  for (const [caps, version] of [[{}, '2025-11-25'], [{ elicitation: {} }, '2025-03-26'], [{ elicitation: { url: {} } }, '2025-11-25']]) {
    const f = await startFront();
    try {
      await f.init(caps, undefined, version);
      const req = await callUpdate(f, 1);
      f.answer(T.WR_UPDATE_R, req.id, planOf(true));
      const c = await f.fromWriter.next((x) => x.type === T.WR_COMMIT);
      assert.equal(commitOf(c).decision, 4, JSON.stringify(caps) + ' ' + version);
      f.answer(T.WR_COMMIT_R, c.id, { status: 'applied', attempt_id: 'w_1', audit_id: 'a0X000000000001AAA' });
      const r = await f.out.next((m) => m.id === 1);
      assert.match(r.result.content[0].text, /Confirmation: not asked: the client .* did not declare the elicitation capability/);
      assert.equal(f.out.msgs.filter((m) => m.method === 'elicitation/create').length, 0, 'never asked');
    } finally {
      await f.stop();
    }
  }
});

test('front alone: the deadline and notifications/cancelled while the person thinks', { skip: !haveFront && 'no built front' }, async () => {
  const f = await startFront({ call_timeout_ms: 1500 });
  try {
    await f.init({ elicitation: {} });
    // Past the deadline.
    let req = await callUpdate(f, 1);
    f.answer(T.WR_UPDATE_R, req.id, planOf(true));
    const el = await f.out.next((m) => m.method === 'elicitation/create');
    const r = await f.out.next((m) => m.id === 1, 4000);
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /took longer than 1\.5 s/);
    const cn = await f.out.next((m) => m.method === 'notifications/cancelled');
    assert.equal(cn.params.requestId, el.id, 'the elicitation is cancelled');
    let c = await f.fromWriter.next((x) => x.type === T.WR_COMMIT);
    assert.equal(commitOf(c).decision, 3, 'the writer drops the plan');
    f.answer(T.WR_COMMIT_R, c.id, { status: 'declined', attempt_id: 'w_1' });
    // The person answers late: dropped, logged.
    f.send({ jsonrpc: '2.0', id: el.id, result: { action: 'accept', content: { confirm: true } } });
    assert.equal((await f.rpc('ping', {})).result !== undefined, true);
    assert.equal(await f.fromWriter.next((x) => x.type === T.WR_COMMIT, 300), null, 'no commit after a late accept');
    // The client cancels the call.
    req = await callUpdate(f, 2);
    f.answer(T.WR_UPDATE_R, req.id, planOf(true));
    const el2 = await f.out.next((m) => m.method === 'elicitation/create');
    assert.notEqual(el2.id, el.id, 'ids are not reused');
    f.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2 } });
    const cn2 = await f.out.next((m) => m.method === 'notifications/cancelled');
    assert.equal(cn2.params.requestId, el2.id);
    c = await f.fromWriter.next((x) => x.type === T.WR_COMMIT);
    assert.equal(commitOf(c).decision, 3);
    f.answer(T.WR_COMMIT_R, c.id, { status: 'declined', attempt_id: 'w_1' });
    assert.equal(await f.out.next((m) => m.id === 2, 300), null, 'no response to a cancelled call');
    await new Promise((res) => setTimeout(res, 100));
    assert.match(f.logs(), /dropped a response to \\"sfr-1\\"/);
  } finally {
    await f.stop();
  }
});

test('front alone: WR_STATUS disables the write tools with its reason, and list_changed tells the client', { skip: !haveFront && 'no built front' }, async () => {
  const f = await startFront();
  try {
    f.status({ writes: 'disabled', reason: 'the audit object Cleanup_Audit__c has no field Justification__c.', failed_flag: false });
    await new Promise((res) => setTimeout(res, 100));
    await f.init();
    assert.equal(f.out.msgs.filter((m) => m.method === 'notifications/tools/list_changed').length, 0, 'nothing to announce before initialize');
    let l = await f.rpc('tools/list', {});
    for (const name of ['update_field', 'add_note']) {
      const t = l.result.tools.find((x) => x.name === name);
      assert.match(t.description, /^Unavailable: the audit object Cleanup_Audit__c has no field Justification__c\. [A-Z]/, name);
    }
    assert.doesNotMatch(l.result.tools.find((x) => x.name === 'query').description, /Unavailable/);
    const r = await f.rpc('tools/call', { name: 'add_note', arguments: { object_type: 'Account', object_id: '001000000000001', body: 'b' } });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /^add_note: Unavailable: the audit object Cleanup_Audit__c has no field Justification__c; nothing was sent/);
    assert.equal(f.fromWriter.frames.length, 0, 'the writer was not asked');
    // Enabled: announced, and listed as usual.
    f.status({ writes: 'enabled', failed_flag: true });
    assert.ok(await f.out.next((m) => m.method === 'notifications/tools/list_changed'), 'list_changed');
    l = await f.rpc('tools/list', {});
    assert.doesNotMatch(l.result.tools.find((x) => x.name === 'update_field').description, /Unavailable/);
    // The same status again: nothing to announce.
    f.status({ writes: 'enabled', failed_flag: true });
    assert.equal(await f.out.next((m) => m.method === 'notifications/tools/list_changed', 300), null);
    // An unreadable status fails closed.
    f.status({ writes: 'maybe' });
    assert.ok(await f.out.next((m) => m.method === 'notifications/tools/list_changed'));
    l = await f.rpc('tools/list', {});
    assert.match(l.result.tools.find((x) => x.name === 'update_field').description, /^Unavailable: the writer's status could not be read\./);
  } finally {
    await f.stop();
  }
});
