// Start-up time and memory of the process tree, for this build and a
// baseline build, measured in the same run, interleaved.
//
//   node bench/startup.mjs [new-parent] [baseline-parent] [runs]
//
// Defaults: SFREVOPS_BIN or build/plain/sfrevops-mcp (the build tree's),
// SFREVOPS_BASELINE_BIN or /work/main/build/plain/sfrevops-mcp, 30 runs
// each.  bench/run --baseline REF builds a baseline of a git ref and
// passes it here.
//
// Start-up: from spawn() of the parent to the initialize answer on its
// standard output (the initialize request is written at once; the front
// reads it when it is up).  Memory: once the parent has logged "ready"
// (all three children sandboxed), the sum over the four processes of Pss
// and of Rss from /proc/PID/smaps_rollup.  The children are not
// dumpable, so reading their smaps_rollup needs root.  No org is needed:
// the broker of the access-token flow connects to nobody at start.
//
// Then, against the simulator (tests/sfsim), the client a desktop
// application is: initialize written at once, and on its answer
// notifications/initialized, tools/list and a first tools/call (a
// one-row query: the broker's TLS connection, the request, the
// identity) written together; the time from spawn() to each answer.
// The start-up order (the broker starts once the front is sandboxed,
// main.c) must not make that first call slower.
//
// Prints a table and one JSON line.  A figure, not a test: nothing here
// fails on a timing.
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { srcdir, spawnRaw, offlineEnv, simEnv, startSim, initialize, descendants, waitFor } from '../tests/e2e/lib.mjs';

const bins = {
  new: process.argv[2] || process.env.SFREVOPS_BIN || join(srcdir, 'build', 'plain', 'sfrevops-mcp'),
  baseline: process.argv[3] || process.env.SFREVOPS_BASELINE_BIN || '/work/main/build/plain/sfrevops-mcp',
};
const runs = Number(process.argv[4] || 30);

if (process.getuid() !== 0) {
  console.error('startup.mjs: run as root: the children\'s /proc/PID/smaps_rollup is readable by root only');
  process.exit(2);
}

function rollup(pid) {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (key) => Number((new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text) || [0, 0])[1]);
  return { pss: kib('Pss'), rss: kib('Rss') };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

async function once(bin) {
  const t0 = process.hrtime.bigint();
  const s = spawnRaw(offlineEnv(), bin);
  try {
    const r = await initialize(s);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.result?.serverInfo?.name !== 'sfrevops-mcp') throw new Error(`${bin}: no initialize answer: ${JSON.stringify(r)}`);
    if (!await waitFor(() => /"msg":"ready: front, broker and writer/.test(s.stderr), 5000)) throw new Error(`${bin}: not ready: ${s.stderr}`);
    const kids = descendants(s.proc.pid).filter((k) => / -R /.test(k.cmd));
    if (kids.length !== 3) throw new Error(`${bin}: ${kids.length} children`);
    let pss = 0;
    let rss = 0;
    const by = {};
    for (const [role, pid] of [['parent', s.proc.pid], ...kids.map((k) => [k.cmd.split(' ').at(-1), k.pid])]) {
      const m = rollup(pid);
      pss += m.pss;
      rss += m.rss;
      by[role] = m.pss;
    }
    return { ms, pss, rss, by };
  } finally {
    await s.close();
  }
}

/** The floor: node's spawn() of /bin/true to its exit. */
async function floor() {
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => { const p = spawn('/bin/true'); p.once('exit', resolve); p.once('error', reject); });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const res = { new: [], baseline: [] };
const floors = [];
for (const k of ['new', 'baseline']) await once(bins[k]);	// warm the page cache
for (let i = 0; i < runs; i++) {
  // Alternate which goes first, so that neither always runs after the other.
  const order = i % 2 ? ['baseline', 'new'] : ['new', 'baseline'];
  for (const k of order) res[k].push(await once(bins[k]));
  floors.push(await floor());
}

/** Spawn to initialize, tools/list and the first tools/call answered. */
async function firstCall(bin, sim) {
  const t0 = process.hrtime.bigint();
  const at = () => Number(process.hrtime.bigint() - t0) / 1e6;
  const s = spawnRaw(simEnv(sim), bin);
  try {
    s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
    await s.next();
    const init = at();
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account ORDER BY Name LIMIT 1' } } });
    const got = {};
    while (!(1 in got && 2 in got)) {
      const m = await s.next();
      if (m.id === 1 || m.id === 2) {
        got[m.id] = at();
        if (m.id === 2 && (m.error || m.result?.isError)) throw new Error(`${bin}: the first call failed: ${JSON.stringify(m)}`);
      }
    }
    return { init, list: got[1], call: got[2] };
  } finally {
    await s.close();
  }
}

const sim = await startSim();
const fc = { new: [], baseline: [] };
try {
  for (const k of ['new', 'baseline']) await firstCall(bins[k], sim);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? ['baseline', 'new'] : ['new', 'baseline'];
    for (const k of order) fc[k].push(await firstCall(bins[k], sim));
  }
} finally {
  await sim.stop();
}

const sum = {};
for (const k of ['new', 'baseline']) {
  sum[k] = {
    bin: bins[k],
    startup_ms: median(res[k].map((r) => r.ms)),
    startup_min_ms: Math.min(...res[k].map((r) => r.ms)),
    pss_kib: median(res[k].map((r) => r.pss)),
    rss_kib: median(res[k].map((r) => r.rss)),
    pss_kib_by_process: Object.fromEntries(['parent', 'front', 'broker', 'writer'].map((p) => [p, median(res[k].map((r) => r.by[p]))])),
    sim_initialize_ms: median(fc[k].map((r) => r.init)),
    sim_tools_list_ms: median(fc[k].map((r) => r.list)),
    first_call_ms: median(fc[k].map((r) => r.call)),
  };
}
const mib = (kib) => (kib / 1024).toFixed(1);
console.log(`start-up (spawn to initialize answered) and memory of the 4 processes, median of ${runs} runs each, interleaved`);
for (const k of ['baseline', 'new']) {
  const x = sum[k];
  console.log(`  ${k.padEnd(8)} ${x.startup_ms.toFixed(1).padStart(6)} ms (min ${x.startup_min_ms.toFixed(1)})  PSS ${mib(x.pss_kib).padStart(5)} MiB  RSS ${mib(x.rss_kib).padStart(5)} MiB  ${x.bin}`);
  console.log(`  ${''.padEnd(8)} PSS by process: ${Object.entries(x.pss_kib_by_process).map(([p, v]) => `${p} ${mib(v)}`).join(', ')} MiB`);
}
console.log(`against the simulator: spawn to initialize, tools/list and the first tools/call answered (sent together after initialize), median of ${runs} runs each`);
for (const k of ['baseline', 'new']) {
  const x = sum[k];
  console.log(`  ${k.padEnd(8)} initialize ${x.sim_initialize_ms.toFixed(2)} ms, tools/list ${x.sim_tools_list_ms.toFixed(2)} ms, first call ${x.first_call_ms.toFixed(2)} ms`);
}
const ratio = (a, b) => (a / b).toFixed(2);
console.log(`  new / baseline: start-up ${ratio(sum.new.startup_ms, sum.baseline.startup_ms)}, PSS ${ratio(sum.new.pss_kib, sum.baseline.pss_kib)}, RSS ${ratio(sum.new.rss_kib, sum.baseline.rss_kib)}`);
console.log(`  floor: node spawn() of /bin/true to exit, median ${median(floors).toFixed(1)} ms`);
console.log(JSON.stringify({
  bench: 'startup', runs, floor_ms: median(floors), ...Object.fromEntries(['new', 'baseline'].map((k) => [k, sum[k]])),
  ratio: { startup: sum.new.startup_ms / sum.baseline.startup_ms, pss: sum.new.pss_kib / sum.baseline.pss_kib, rss: sum.new.rss_kib / sum.baseline.rss_kib, first_call: sum.new.first_call_ms / sum.baseline.first_call_ms },
}));
