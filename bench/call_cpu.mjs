// What one query call costs the front in CPU: 200 opportunities x 10
// fields from the simulator, through the query tool, N calls each on two
// builds started side by side in this run (ours and a baseline), their
// calls interleaved so that both see the same machine.
//
//   node bench/call_cpu.mjs [ours] [baseline] [calls] [soql]
//
// ours defaults to $SFREVOPS_BIN or ./sfrevops-mcp, the baseline to
// /work/main/build/plain/sfrevops-mcp, calls to 50.  For the front
// process alone (found in the process tree by its -R front role) it
// reports the median CPU time per call from /proc/PID/schedstat
// (nanoseconds) and the mean from /proc/PID/stat (utime + stime, clock
// ticks) over all the calls; the same medians for the broker and the
// parent (the other half of the per-call overhead: the broker's request
// and the parent's forwarding of the call's log line).  soql: another
// statement (bench/run's one-row call: SELECT Id, Name FROM Account
// ORDER BY Name LIMIT 1).  Prints a table and one JSON line.
import { readFileSync } from 'node:fs';
import { Client } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { startSim, simEnv, waitTree, BIN } from '../tests/e2e/lib.mjs';

const ours = process.argv[2] || BIN;
const baseline = process.argv[3] || '/work/main/build/plain/sfrevops-mcp';
const calls = Number(process.argv[4] || 50);
const SOQL = process.argv[5] || 'SELECT Id, Name, StageName, Amount, CloseDate, Probability, ForecastCategoryName, Owner.Name, Account.Name, LastActivityDate FROM Opportunity LIMIT 200';
const TICK_MS = 10;	// USER_HZ is 100 on Linux

/** CPU time of pid so far: [ns from schedstat, ms from stat]. */
function cpu(pid) {
  const ns = Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [ns, (Number(f[11]) + Number(f[12])) * TICK_MS];	// utime, stime
}

async function start(sim, bin) {
  const transport = new StdioClientTransport({ command: bin, args: [], env: simEnv(sim, { SFDC_REQUEST_BUDGET: '1000000' }), stderr: 'pipe' });
  let log = '';
  transport.stderr.on('data', (d) => { log += d; });
  const client = new Client({ name: 'bench', version: '1' });
  client.onclose = () => { if (!closing) process.stderr.write(`${bin} closed; its log:\n${log}`); };
  await client.connect(transport);
  const kids = await waitTree(transport.pid);
  const front = kids.find((k) => / -R front$/.test(k.cmd));
  const broker = kids.find((k) => / -R broker$/.test(k.cmd));
  if (!front || !broker) throw new Error(`${bin}: no front or broker process in ${JSON.stringify(kids)}`);
  return { bin, client, front: front.pid, broker: broker.pid, parent: transport.pid, ns: [], bns: [], pns: [], ms0: 0, ms1: 0, rows: 0 };
}

async function one(s) {
  const [ns0] = cpu(s.front);
  const [b0] = cpu(s.broker);
  const [p0] = cpu(s.parent);
  const r = await s.client.callTool({ name: 'query', arguments: { soql: SOQL } });
  const [ns1] = cpu(s.front);
  const [b1] = cpu(s.broker);
  const [p1] = cpu(s.parent);
  if (r.isError) throw new Error(`${s.bin}: ${r.content[0].text}`);
  s.rows = r.structuredContent.rows.length;
  s.bns.push(b1 - b0);
  s.pns.push(p1 - p0);
  return ns1 - ns0;
}

const median = (a) => { const b = [...a].sort((x, y) => x - y); return b[b.length >> 1]; };

let closing = false;
const sim = await startSim();
const runs = [];
try {
  for (const bin of [ours, baseline]) runs.push(await start(sim, bin));
  for (const s of runs) for (let i = 0; i < 5; i++) await one(s);	// warm: describe cache, allocator
  for (const s of runs) { s.ms0 = cpu(s.front)[1]; s.bns = []; s.pns = []; }
  for (let i = 0; i < calls; i++)
    for (const s of runs) s.ns.push(await one(s));
  for (const s of runs) s.ms1 = cpu(s.front)[1];
  const out = runs.map((s) => ({
    bin: s.bin, rows: s.rows, calls,
    median_us: median(s.ns) / 1000,
    mean_ms_stat: (s.ms1 - s.ms0) / calls,
    broker_median_us: median(s.bns) / 1000,
    parent_median_us: median(s.pns) / 1000,
  }));
  console.log(`query of ${out[0].rows} rows (${SOQL}), ${calls} calls each, CPU per call`);
  for (const o of out)
    console.log(`  ${o.bin}\n    front median ${o.median_us.toFixed(0)} us (schedstat), mean ${o.mean_ms_stat.toFixed(2)} ms (stat); broker median ${o.broker_median_us.toFixed(0)} us, parent ${o.parent_median_us.toFixed(0)} us`);
  console.log(`  ours / baseline (median): ${(out[0].median_us / out[1].median_us).toFixed(2)}`);
  console.log(JSON.stringify({ bench: 'call_cpu', ours: out[0], baseline: out[1] }));
} finally {
  closing = true;
  for (const s of runs) await s.client.close().catch(() => {});
  await sim.stop();
}
