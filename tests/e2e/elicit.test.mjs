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
  const transport = new StdioClientTransport({ command: BIN, args: [], env: simEnv(sim, env), stderr: 'pipe' });
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
  assert.deepEqual((await sim.log()).filter((e) => e.path.startsWith('/services/data/')), [], 'no request reached the org');
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
    assert.equal(r.structuredContent.status, 'declined');
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
