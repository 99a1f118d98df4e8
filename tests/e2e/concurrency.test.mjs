// Concurrency in the broker, end to end.  Through the official MCP SDK
// client: slow queries run side by side, at most SFDC_MAX_TRANSFERS at
// once, and requests that need no network are not held up behind them;
// an expired token is renewed once for all the requests that found it
// expired.  Against the broker alone, over its own socketpairs (this
// file plays the parent, the front and the writer): IMSG_CANCEL aborts a
// transfer in flight (the simulator sees the connection go), drops a
// queued request, is per channel, and leaves every request exactly one
// answer; SHUTDOWN with a transfer in flight exits cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simEnv, connectSdk, queries, textOf, waitFor } from './lib.mjs';
import { T, SFE, u32, str, startBroker as startIpcBroker } from './ipc.mjs';

let sim;
const opened = [];

before(async () => { sim = await startSim(); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const DELAY = 3000;
const probe = (tag, i) => `SELECT Id FROM Account WHERE Name != '${tag}-${i}' LIMIT 1`;
const delayFault = (tag, count, ms = DELAY) => sim.control('POST', 'faults',
  { match: { soql_contains: tag }, count, action: { delay_ms: ms } });

/** Four slow queries at once; resolves with each one's time and result. */
async function fourSlow(c, tag) {
  const t0 = Date.now();
  const calls = [0, 1, 2, 3].map((i) => c.client.callTool({ name: 'query', arguments: { soql: probe(tag, i) } })
    .then((r) => ({ r, ms: Date.now() - t0 })));
  return { t0, calls };
}

test('four slow queries run side by side; a dry run and a ping behind them are not held up', async () => {
  const c = await connectSdk(simEnv(sim), opened);
  await sim.clearLog();
  await delayFault('parallel-probe', 4);
  const { t0, calls } = await fourSlow(c, 'parallel-probe');
  // Sent behind the four, while they are in flight.
  await new Promise((r) => setTimeout(r, 200));
  const t1 = Date.now();
  const dry = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead', dry_run: true } });
  const dryMs = Date.now() - t1;
  const t2 = Date.now();
  await c.client.ping();
  const pingMs = Date.now() - t2;
  const done = await Promise.all(calls);
  const total = Date.now() - t0;
  console.log(`# four ${DELAY} ms queries in parallel: ${total} ms in all (${done.map((d) => d.ms).join(', ')} ms each); dry run ${dryMs} ms, ping ${pingMs} ms behind them`);
  for (const { r } of done) {
    assert.equal(r.isError, false, textOf(r));
    assert.equal(r.structuredContent.rows.length, 1);
  }
  assert.equal(dry.isError, false, textOf(dry));
  assert.equal(dry.structuredContent.dry_run, true);
  assert.ok(dryMs < 1000, `the dry run took ${dryMs} ms`);
  assert.ok(pingMs < 1000, `the ping took ${pingMs} ms`);
  assert.ok(total >= DELAY, `${total} ms: the delay fault was applied`);
  assert.ok(total < 5500, `four ${DELAY} ms queries took ${total} ms: not concurrent`);
  const sent = queries(await sim.log()).filter((e) => e.soql && e.soql.includes('parallel-probe'));
  assert.equal(sent.length, 4, 'each query was sent once');
  await c.client.close();
});

test('SFDC_MAX_TRANSFERS=2: the four take two rounds, two at a time', async () => {
  const c = await connectSdk(simEnv(sim, { SFDC_MAX_TRANSFERS: '2' }), opened);
  await sim.clearLog();
  await delayFault('bounded-probe', 4);
  const { t0, calls } = await fourSlow(c, 'bounded-probe');
  const done = await Promise.all(calls);
  const total = Date.now() - t0;
  console.log(`# with SFDC_MAX_TRANSFERS=2: ${total} ms in all (${done.map((d) => d.ms).join(', ')} ms each)`);
  for (const { r } of done) assert.equal(r.isError, false, textOf(r));
  assert.ok(total >= 5500, `${total} ms: more than two transfers were in flight`);
  // The simulator saw two arrive at once, and the next two a round later.
  const ts = queries(await sim.log()).filter((e) => e.soql && e.soql.includes('bounded-probe'))
    .map((e) => Date.parse(e.ts)).sort((a, b) => a - b);
  assert.equal(ts.length, 4);
  assert.ok(ts[1] - ts[0] < 1000, 'the first two together');
  assert.ok(ts[2] - ts[0] >= DELAY - 200, `the third waited for a slot (${ts[2] - ts[0]} ms)`);
  await c.client.close();
});

test('transfers share the connection cache: one after another, they reuse one connection', async () => {
  const c = await connectSdk(simEnv(sim, { SFDC_LOG_LEVEL: 'debug' }), opened);
  for (let i = 0; i < 3; i++) {
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.equal(r.isError, false, textOf(r));
  }
  await c.client.close();
  const conns = c.stderr.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.proc === 'broker')
    .map((l) => / (a new|a reused) connection$/.exec(l.msg)).filter(Boolean).map((m) => m[1]);
  // The first call also asks which org answers (SF_IDENTITY, once):
  // every transfer after the first reuses the connection.
  assert.equal(conns[0], 'a new', c.stderr);
  assert.ok(conns.length >= 3 && conns.slice(1).every((x) => x === 'a reused'), c.stderr);
});

const refreshEnv = () => simEnv(sim, { SFDC_CLIENT_ID: sim.client_id, SFDC_CLIENT_SECRET: sim.client_secret, SFDC_REFRESH_TOKEN: sim.refresh_token });
const grants = (log) => log.filter((e) => e.path === '/services/oauth2/token');

test('an expired token found by four requests at once is renewed once, for all of them', async (t) => {
  t.after(() => sim.control('POST', 'reset', {}));
  const c = await connectSdk(refreshEnv(), opened);
  let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
  assert.equal(r.isError, false, textOf(r));
  await sim.control('POST', 'expire-tokens', {});
  await sim.clearLog();
  const rs = await Promise.all([0, 1, 2, 3].map((i) => c.client.callTool({ name: 'query', arguments: { soql: probe('renew-probe', i) } })));
  for (r of rs) assert.equal(r.isError, false, textOf(r));
  const log = await sim.log();
  assert.equal(grants(log).length, 1, 'one refresh: ' + JSON.stringify(grants(log)));
  const q = queries(log);
  for (let i = 0; i < 4; i++) {
    const mine = q.filter((e) => e.soql.includes(`renew-probe-${i}'`)).map((e) => e.status);
    assert.ok(mine.length >= 1 && mine.length <= 2 && mine[mine.length - 1] === 200 && mine.slice(0, -1).every((s) => s === 401),
      `query ${i}: ${JSON.stringify(mine)}`);
  }
  await c.client.close();
});

test('when the renewal fails, every request waiting for it fails with the same clear message', async (t) => {
  t.after(() => sim.control('POST', 'reset', {}));
  const c = await connectSdk(refreshEnv(), opened);
  await sim.control('POST', 'revoke-refresh', {});
  await sim.control('POST', 'expire-tokens', {});
  await sim.clearLog();
  const rs = await Promise.all([0, 1, 2, 3].map((i) => c.client.callTool({ name: 'query', arguments: { soql: probe('fail-probe', i) } })));
  for (const r of rs) {
    assert.equal(r.isError, true);
    assert.match(textOf(r), /invalid_grant/);
    assert.match(textOf(r), /SFDC_REFRESH_TOKEN/);
    assert.equal(textOf(r), textOf(rs[0]), 'the same message');
  }
  assert.equal(grants(await sim.log()).length, 1, 'one token request for the four');
  await c.client.close();
});

// ------------------------------------------------ the broker on its own

const SFE_CANCELLED = SFE.CANCELLED;

/** The broker (ipc.mjs) with this file as its parent, front and writer. */
async function startBroker(maxTransfers) {
  const b = await startIpcBroker(sim, { max_transfers: maxTransfers });
  return Object.assign(b, { query: (ch, id, soql, flags = 0) => ch.send(T.SF_QUERY, id, Buffer.concat([u32(flags), str(soql)])) });
}

const arrived = (tag) => async () => queries(await sim.log()).some((e) => e.soql && e.soql.includes(tag));
const entryOf = async (tag) => queries(await sim.log()).filter((e) => e.soql && e.soql.includes(tag));

test('IMSG_CANCEL: a transfer in flight is aborted, a queued request dropped, each answered once', async () => {
  await sim.clearLog();
  await sim.control('DELETE', 'faults');
  await delayFault('cancel-probe', 2, 2000);
  const b = await startBroker(1);
  const { front } = b;
  b.query(front, 1, probe('cancel-probe', 1));		// in flight
  b.query(front, 2, probe('cancel-probe', 2));		// queued: one transfer at a time
  const t = Date.now();
  b.query(front, 3, 'SELECT Id FROM Lead', 1);		// a dry run: answered at once
  const dry = await front.wait((m) => m.id === 3);
  assert.equal(dry.type, T.SF_QUERY_R);
  assert.equal(dry.json.dry_run, true);
  assert.ok(dry.at - t < 1000, `the dry run waited ${dry.at - t} ms`);
  assert.ok(await waitFor(arrived('cancel-probe-1'), 5000), 'the first query reached the simulator');

  front.send(T.CANCEL, 2);
  const c2 = await front.wait((m) => m.id === 2);
  assert.equal(c2.type, T.ERROR);
  assert.equal(c2.code, SFE_CANCELLED);
  assert.equal(c2.msg, 'cancelled by the client');
  front.send(T.CANCEL, 1);
  const c1 = await front.wait((m) => m.id === 1);
  assert.equal(c1.type, T.ERROR);
  assert.equal(c1.code, SFE_CANCELLED, 'cancelled before its delayed answer');
  // Ids that are not pending (answered, or never used) are ignored.
  front.send(T.CANCEL, 1);
  front.send(T.CANCEL, 77);

  // The simulator saw the connection of the first go; the second never left.
  assert.ok(await waitFor(async () => (await entryOf('cancel-probe-1'))[0]?.aborted === true, 3000),
    'the simulator logged the first as aborted: ' + JSON.stringify(await entryOf('cancel-probe-1')));
  assert.equal((await entryOf('cancel-probe-2')).length, 0, 'the queued query was never sent');

  // The broker goes on; an answered id may be used again.
  b.query(front, 1, 'SELECT Id FROM Account LIMIT 2');
  const again = await front.wait((m) => m.id === 1 && m.type === T.SF_QUERY_R);
  assert.equal(again.json.records.length, 2);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual([1, 2, 3].map((id) => front.answers(id).length), [2, 1, 1], 'one answer per request (id 1 was used twice)');
  assert.equal(front.answers(77).length, 0);

  b.parent.send(T.SHUTDOWN, 0);
  const { code } = await b.exited;
  assert.equal(code, 0, b.stderr);
  await sim.control('DELETE', 'faults');
});

test('IMSG_CANCEL is per channel; SHUTDOWN with a transfer in flight aborts it and exits 0', async () => {
  await sim.clearLog();
  await delayFault('channel-probe', 2, 1500);
  await delayFault('last-probe', 1, 10000);
  const b = await startBroker(6);
  const { front, writer } = b;
  // The front and the writer number their own requests: both use 10.
  b.query(front, 10, probe('channel-probe', 'front'));
  b.query(writer, 10, probe('channel-probe', 'writer'));
  assert.ok(await waitFor(async () => (await entryOf('channel-probe')).length === 2, 5000), 'both in flight');
  front.send(T.CANCEL, 10);
  const f = await front.wait((m) => m.id === 10);
  assert.equal(f.code, SFE_CANCELLED);
  const w = await writer.wait((m) => m.id === 10);
  assert.equal(w.type, T.SF_QUERY_R, 'the writer\'s request 10 was not cancelled: ' + JSON.stringify(w));
  assert.equal(w.json.records.length, 1);
  assert.equal((await entryOf('channel-probe-front'))[0].aborted, true);
  assert.equal((await entryOf('channel-probe-writer'))[0].aborted, undefined);

  b.query(front, 11, probe('last-probe', 1));
  assert.ok(await waitFor(arrived('last-probe'), 5000));
  const t = Date.now();
  b.parent.send(T.SHUTDOWN, 0);
  const { code } = await b.exited;
  assert.equal(code, 0, b.stderr);
  assert.ok(Date.now() - t < 5000, `it did not wait for the transfer (${Date.now() - t} ms)`);
  assert.equal(front.answers(11).length, 0, 'nothing is answered while stopping');
  assert.ok(await waitFor(async () => (await entryOf('last-probe'))[0]?.aborted === true, 3000),
    'the simulator saw the connection go');
  await sim.control('DELETE', 'faults');
});
