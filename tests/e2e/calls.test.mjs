// The life of a tool call, end to end: progress notifications while a
// call waits (and none when the client did not ask), the call's deadline
// when the broker does not answer, and cancellation by the client.  The
// server runs as a desktop client starts it, against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, spawnRaw, initialize, descendants, waitTree, connectSdk, textOf } from './lib.mjs';

let sim;
const opened = [];
const raws = [];

before(async () => { sim = await startSim(); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  for (const s of raws) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  if (sim) await sim.stop();
});

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

/** A raw server, initialized. */
async function raw(extra = {}) {
  const s = spawnRaw(simEnv(sim, extra));
  raws.push(s);
  await initialize(s);
  return s;
}

/** Send a tools/call; collect every line until its response. */
async function callRaw(s, id, name, args, meta, timeout = 20000) {
  const params = { name, arguments: args };
  if (meta) params._meta = meta;
  const sent = Date.now();
  s.send({ jsonrpc: '2.0', id, method: 'tools/call', params });
  const notes = [];
  for (;;) {
    const m = await s.next(timeout);
    if (m.id === id) return { response: m, notes, ms: Date.now() - sent };
    notes.push({ ...m, at: Date.now() - sent });
  }
}

/** A delay on the next Salesforce request whose SOQL contains what. */
async function slow(ms, soqlContains) {
  const match = { path_prefix: '/services/data/' };
  if (soqlContains) match.soql_contains = soqlContains;
  await sim.control('POST', 'faults', { match, count: 1, action: { delay_ms: ms } });
}

/** The server's structured log lines about tool calls. */
const callLog = (stderr) => stderr.trim().split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l)).filter((l) => l.msg === 'tool call');

test('a call with a progressToken reports its steps and, while it waits, the time', async () => {
  const s = await raw();
  await slow(4500, 'GROUP BY StageName');
  const { response, notes } = await callRaw(s, 7, 'pipeline_by_stage', {}, { progressToken: 'tok-7' });
  assert.equal(response.result.isError, false, JSON.stringify(response));
  const progress = notes.filter((n) => n.method === 'notifications/progress');
  assert.equal(progress.length, notes.length, 'nothing else was sent: ' + JSON.stringify(notes));
  assert.ok(progress.length >= 6, 'the four steps (describe, currency, window, overdue) and elapsed-time reports: ' + JSON.stringify(progress));
  for (const p of progress) {
    assert.equal(p.params.progressToken, 'tok-7', 'the token, as sent');
    assert.equal(p.params.total, 4, 'four steps');
    assert.ok(p.params.progress < 4, 'below the total');
    assert.equal(typeof p.params.message, 'string');
  }
  for (let i = 1; i < progress.length; i++)
    assert.ok(progress[i].params.progress > progress[i - 1].params.progress, 'progress increases');
  const msgs = progress.map((p) => p.params.message);
  assert.match(msgs[0], /^describe Opportunity/);
  assert.ok(msgs.some((m) => /^aggregate query/.test(m)), 'the aggregate step: ' + msgs);
  assert.ok(msgs.some((m) => /^aggregate query.*: [1-9]\d* s elapsed$/.test(m)), 'the wait on it, in seconds: ' + msgs);
  // While the slow request waits, a report at least every 2 s.
  const during = progress.filter((p) => /aggregate query/.test(p.params.message));
  for (let i = 1; i < during.length; i++)
    assert.ok(during[i].at - during[i - 1].at <= 2000, 'gap ' + (during[i].at - during[i - 1].at) + ' ms');
  assert.ok(during.at(-1).at >= 3500, 'reports kept coming until the answer');
  // An integer token is echoed as an integer.
  await slow(2500);
  const q = await callRaw(s, 8, 'query', { soql: 'SELECT Id FROM Account LIMIT 1' }, { progressToken: 42 });
  assert.equal(q.response.result.isError, false);
  const qp = q.notes.filter((n) => n.method === 'notifications/progress');
  assert.ok(qp.length >= 1, 'a single slow request reports its wait');
  assert.ok(qp.every((p) => p.params.progressToken === 42 && p.params.total === undefined));
  assert.match(qp[0].params.message, /waiting for Salesforce: \d+ s elapsed/);
  await s.close();
});

test('without a progressToken, no progress notification', async () => {
  const s = await raw();
  await slow(3000, 'GROUP BY StageName');
  const { response, notes, ms } = await callRaw(s, 3, 'pipeline_by_stage', {});
  assert.equal(response.result.isError, false);
  assert.ok(ms >= 3000, 'the call was slow (' + ms + ' ms)');
  assert.deepEqual(notes, [], 'nothing but the response');
  await s.close();
});

test('a broker that does not answer: the call ends at its deadline, not in a hang', async () => {
  const c = await connectSdk(simEnv(sim, { SFDC_CALL_TIMEOUT_MS: '2000' }), opened);
  const kids = await waitTree(c.transport.pid);
  const broker = kids.find((k) => / -R broker$/.test(k.cmd));
  assert.ok(broker, 'found the broker: ' + JSON.stringify(kids));
  const acct = (await sim.records('Account'))[0];
  process.kill(broker.pid, 'SIGSTOP');
  let r;
  const t0 = Date.now();
  try {
    r = await c.client.callTool({ name: 'get_account', arguments: { account_id: acct.Id } });
  } finally {
    process.kill(broker.pid, 'SIGCONT');
  }
  const ms = Date.now() - t0;
  assert.equal(r.isError, true);
  assert.match(textOf(r), /^get_account: the call took longer than 2 s \(SFDC_CALL_TIMEOUT_MS\)/);
  assert.ok(ms >= 1900 && ms < 4000, 'at the deadline: ' + ms + ' ms');
  // The broker, woken up, finds the IMSG_CANCEL the front sent at the
  // deadline and answers the abandoned request once (cancelled, or with
  // its result if that was on its way): the front drops it and goes on.
  await delay(500);
  const again = await c.client.callTool({ name: 'get_account', arguments: { account_id: acct.Id } });
  assert.equal(again.isError, false, textOf(again));
  assert.equal(again.structuredContent.record.Id, acct.Id);
  await c.client.close();
  const log = callLog(c.stderr).map((l) => [l.tool, l.status]);
  assert.deepEqual(log, [['get_account', 'deadline'], ['get_account', 'ok']], 'each call logged once');
});

test('a cancelled call gets no response, its transfer is aborted, and it is logged once, as cancelled', async () => {
  const s = await raw();
  await sim.clearLog();
  await slow(3000, 'GROUP BY StageName');
  s.send({ jsonrpc: '2.0', id: 11, method: 'tools/call', params: { name: 'pipeline_by_stage', arguments: {} } });
  await delay(400);
  s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 11, reason: 'user gave up' } });
  assert.ok(await s.silent(3000), 'no response to the cancelled call: ' + s.lines);
  // The front sent IMSG_CANCEL, the broker dropped the transfer: the
  // simulator saw the connection close before its delayed answer.
  const agg = (await sim.log()).filter((e) => e.soql && e.soql.includes('GROUP BY StageName'));
  assert.equal(agg.length, 1, JSON.stringify(agg));
  assert.equal(agg[0].aborted, true, 'the transfer was aborted: ' + JSON.stringify(agg[0]));
  s.send({ jsonrpc: '2.0', id: 12, method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } } });
  const r = await s.next();
  assert.equal(r.id, 12);
  assert.equal(r.result.isError, false, 'the server goes on: ' + JSON.stringify(r));
  await s.close();
  const log = callLog(s.stderr).map((l) => [l.tool, l.status]);
  assert.deepEqual(log, [['pipeline_by_stage', 'cancelled'], ['query', 'ok']]);
});

test('a cancelled call through the SDK (AbortSignal) is logged once', async () => {
  const c = await connectSdk(simEnv(sim), opened);
  await slow(1500, 'GROUP BY StageName');
  const ac = new AbortController();
  const p = c.client.callTool({ name: 'pipeline_by_stage', arguments: {} }, undefined, { signal: ac.signal });
  await delay(300);
  ac.abort('the user gave up');
  await assert.rejects(p);
  await delay(2000);
  await c.client.ping();
  await c.client.close();
  const log = callLog(c.stderr).map((l) => [l.tool, l.status]);
  assert.deepEqual(log, [['pipeline_by_stage', 'cancelled']]);
});

test('the broker dies during a call: the call gets a tool error before the server exits', async () => {
  const s = await raw();
  const kids = await waitTree(s.proc.pid);
  const broker = kids.find((k) => / -R broker$/.test(k.cmd));
  await slow(3000, 'GROUP BY StageName');
  s.send({ jsonrpc: '2.0', id: 21, method: 'tools/call', params: { name: 'pipeline_by_stage', arguments: {} } });
  await delay(500);
  process.kill(broker.pid, 'SIGKILL');
  const r = await s.next(5000);
  assert.equal(r.id, 21);
  assert.equal(r.result.isError, true);
  // The front may see the broker's channel close, or the writer's (the
  // writer exits when the broker does), or the parent's shutdown first:
  // it says which, and that the server is shutting down.
  assert.match(r.result.content[0].text, /^pipeline_by_stage: (the (broker|writer) stopped while the call was in progress|the server is shutting down \(one of its processes stopped)/);
  assert.match(r.result.content[0].text, /shutting down/);
  const { code } = await s.exited;
  assert.notEqual(code, 0, 'the server exits, failing closed');
  assert.equal(descendants(s.proc.pid).length, 0, 'no process is left');
});
