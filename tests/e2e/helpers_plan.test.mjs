// The helpers' dry runs under SFDC_FLS_MODE=auto (the default): every
// statement a plan shows is what the broker would send, and says how the
// clause is decided.  Before the first query it is not known whether the
// org accepts WITH SECURITY_ENFORCED: each statement carries the broker's
// note (the probe, then the clause or not), as the query tool's dry run
// does.  Once the broker has learned it, each statement is shown as it
// will go: with the clause in an org that accepts it, without in one that
// refuses it; and the real call then sends exactly those statements.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, autoEnv, connectSdk, queries, textOf } from './lib.mjs';

let sim;
const opened = [];
before(async () => { sim = await startSim(['--opportunities', '600']); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const refuse = (list) => sim.control('POST', 'options', { refuse_with: list });
const MARK = '<IDs of the accounts of the page\'s candidates closing in the window>';
const qend = () => {
  const d = new Date(Date.parse(sim.today + 'T00:00:00Z'));
  const q = Math.floor(d.getUTCMonth() / 3);
  return new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0)).toISOString().slice(0, 10);
};
const riskPlan = (c) => c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qend(), dry_run: true } });

test('auto, nothing learned yet: every statement of the plan says the broker decides the clause at the first query', async () => {
  await refuse([]);
  const c = await connectSdk(autoEnv(sim), opened);
  await sim.clearLog();
  for (const [name, args] of [['at_risk_commits', { quarter_end_date: qend() }], ['pipeline_by_stage', {}], ['stale_opps', {}]]) {
    const r = await c.client.callTool({ name, arguments: { ...args, dry_run: true } });
    assert.equal(r.isError, false, textOf(r));
    const stmts = r.structuredContent.requests.filter((x) => x.soql);
    assert.ok(stmts.length >= 2, name);
    for (const s of stmts) {
      assert.doesNotMatch(s.soql, /WITH SECURITY_ENFORCED/, `${name}: shown as sent when the org refuses: ${s.soql}`);
      assert.match(s.note, /SFDC_FLS_MODE=auto: not known yet whether this org accepts WITH SECURITY_ENFORCED; the first query sends one probe/, `${name}: ${s.note}`);
    }
    assert.equal(textOf(r).match(/not known yet whether this org accepts/g).length, stmts.length, 'the text says it for each');
  }
  assert.deepEqual(queries(await sim.log()), [], 'a dry run sends nothing, not even the probe');
});

test('auto, an org that accepts the clause: the plan shows it on every statement, and the call sends them so', async () => {
  await refuse([]);
  const c = await connectSdk(autoEnv(sim), opened);
  // The first real query teaches the broker.
  const q = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead LIMIT 1' } });
  assert.equal(q.isError, false, textOf(q));
  const r = await riskPlan(c);
  const [cand, ev] = r.structuredContent.requests.filter((x) => x.soql);
  assert.match(cand.soql, / WITH SECURITY_ENFORCED ORDER BY CloseDate ASC/);
  assert.match(ev.soql, / AND IsChild = false WITH SECURITY_ENFORCED GROUP BY AccountId LIMIT 200$/);
  for (const s of [cand, ev]) assert.match(s.note, /this org accepts WITH SECURITY_ENFORCED \(learned at the first query\), so it is added/);
  await sim.clearLog();
  const real = await c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qend() } });
  assert.equal(real.isError, false, textOf(real));
  const sent = queries(await sim.log()).map((e) => e.soql);
  assert.equal(sent[0], cand.soql, 'the candidates as shown');
  const evSent = sent.find((s) => / FROM Event /.test(s));
  assert.ok(evSent, 'an Event check: ' + JSON.stringify(sent));
  const [pre, post] = ev.soql.split(MARK);
  assert.ok(evSent.startsWith(pre) && evSent.endsWith(post), `the Event statement as shown:\n${evSent}\n${ev.soql}`);
});

test('auto, an org that refuses the clause: the plan shows none, says why, and the call sends them so', async () => {
  await refuse(['SECURITY_ENFORCED']);
  try {
    const c = await connectSdk(autoEnv(sim), opened);
    const q = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead LIMIT 1' } });
    assert.equal(q.isError, false, textOf(q));
    const r = await riskPlan(c);
    const [cand, ev] = r.structuredContent.requests.filter((x) => x.soql);
    for (const s of [cand, ev]) {
      assert.doesNotMatch(s.soql, /WITH SECURITY_ENFORCED/);
      assert.match(s.note, /this org refuses WITH SECURITY_ENFORCED \(learned at the first query\), so the query goes without it/);
    }
    await sim.clearLog();
    const real = await c.client.callTool({ name: 'at_risk_commits', arguments: { quarter_end_date: qend() } });
    assert.equal(real.isError, false, textOf(real));
    const sent = queries(await sim.log()).map((e) => e.soql);
    assert.equal(sent[0], cand.soql);
    const evSent = sent.find((s) => / FROM Event /.test(s));
    const [pre, post] = ev.soql.split(MARK);
    assert.ok(evSent && evSent.startsWith(pre) && evSent.endsWith(post), `${evSent}\n${ev.soql}`);
  } finally { await refuse([]); }
});
