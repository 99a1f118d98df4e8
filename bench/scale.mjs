// The RevOps helpers against orgs of two sizes: their API calls and our
// own time must not grow with the org.  For each size the simulator is
// started with that many opportunities, our server through the MCP SDK
// client; each tool is called once (the first call: describe and the
// other once-per-process reads included) and then `reps` times.  Per
// call: the REST data calls in the simulator's log, the wall-clock time
// of the call, the simulator's own time for its answers (the `ms` of
// each log entry), their difference (the client's side: our processes
// and the loopback TLS), and the CPU time of our process tree
// (/proc/PID/stat utime + stime, all four processes).
//
//   node bench/scale.mjs [--quick] [--sizes 1000,500000] [--reps N]
//
// Figures, not tests.  Standalone it prints a Markdown section; run.mjs
// imports scaleSection().
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { startSim, simEnv, descendants, srcdir } from '../tests/e2e/lib.mjs';

const BIN = process.env.SFREVOPS_BIN || join(srcdir, 'build', 'plain', 'sfrevops-mcp');
const TICK_MS = 10;	// USER_HZ: /proc/PID/stat counts in 1/100 s
const say = (m) => process.stderr.write(`bench: ${m}\n`);
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

/** utime + stime of pid and its descendants, in ms (10 ms resolution). */
function cpuMs(pid) {
  let ticks = 0;
  for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* gone */ }
  }
  return ticks * TICK_MS;
}

function quarterEnd(today) {
  const [y, m] = today.split('-').map(Number);
  return new Date(Date.UTC(y, Math.ceil(m / 3) * 3, 0)).toISOString().slice(0, 10);
}

async function oneSize(n, reps) {
  const t0 = Date.now();
  const sim = await startSim(['--opportunities', String(n), '--api-limit', '100000000']);
  const gen = { ms: sim.generation_ms ?? (Date.now() - t0) };
  const transport = new StdioClientTransport({ command: BIN, args: [], env: simEnv(sim), stderr: 'pipe' });
  const client = new Client({ name: 'bench-scale', version: '1.0.0' });
  const rows = [];
  try {
    await client.connect(transport);
    const pid = transport.pid;
    const tools = [
      ['pipeline_by_stage', { close_date_window_days: 90 }],
      ['at_risk_commits', { quarter_end_date: quarterEnd(sim.today) }],
      ['stale_opps', { days_in_stage_threshold: 30 }],
    ];
    for (const [name, args] of tools) {
      const calls = [];
      for (let i = 0; i <= reps; i++) {
        await sim.clearLog();
        const c0 = cpuMs(pid);
        const w0 = process.hrtime.bigint();
        // A long enough deadline for the simulator at 500,000 deals.
        const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 600000 });
        const wall = Number(process.hrtime.bigint() - w0) / 1e6;
        const cpu = cpuMs(pid) - c0;
        const log = (await sim.log()).filter((e) => e.path.startsWith('/services/data/'));
        const simMs = log.reduce((a, e) => a + (e.ms || 0), 0);
        calls.push({ wall, cpu, simMs, api: log.length, error: r.isError ? (r.content[0]?.text || 'tool error').slice(0, 120) : null,
          total: r.structuredContent?.total_size ?? r.structuredContent?.candidates ?? null });
      }
      const [first, ...rest] = calls;
      rows.push({
        n, tool: name, first, reps,
        api: median(rest.map((c) => c.api)), wall: median(rest.map((c) => c.wall)),
        sim: median(rest.map((c) => c.simMs)), ours: median(rest.map((c) => c.wall - c.simMs)),
        cpu: rest.reduce((a, c) => a + c.cpu, 0) / rest.length,
        error: calls.find((c) => c.error)?.error || null,
      });
      say(`scale: ${int(n)} opportunities, ${name}: ${f1(rows.at(-1).wall)} ms median, ${rows.at(-1).api} API calls`);
    }
  } finally {
    await client.close().catch(() => {});
    await sim.stop();
  }
  return { n, gen, rows };
}

/** The measurements, and the Markdown lines of their section. */
export async function scaleSection({ sizes, reps }) {
  const runs = [];
  for (const n of sizes) runs.push(await oneSize(n, reps));
  const out = [];
  const p = (s = '') => out.push(s);
  p(`## The helpers at ${sizes.map(int).join(' and ')} opportunities`);
  p();
  p(`Each tool once (the first call of a process: describe and the org's settings included), then ${reps} more calls, medians of those. `
    + '"ours" is the call\'s wall-clock time minus the simulator\'s own time for its answers (our four processes, the loopback TLS and the SDK client); '
    + '"our CPU" is the CPU time of our process tree per call (10 ms resolution, averaged).');
  p();
  p('| opportunities | tool | API calls, first call | API calls | wall ms | simulator ms | ours ms | our CPU ms | note |');
  p('|---|---|---|---|---|---|---|---|---|');
  for (const r of runs) {
    for (const x of r.rows) {
      p(`| ${int(r.n)} | ${x.tool} | ${x.first.api} | ${x.api} | ${f1(x.wall)} | ${f1(x.sim)} | ${f1(x.ours)} | ${f1(x.cpu)} | ${x.error ? 'tool error: ' + x.error : ''} |`);
    }
  }
  p();
  if (runs.length >= 2) {
    const a = runs[0];
    const b = runs.at(-1);
    p(`| tool | API calls ${int(a.n)} -> ${int(b.n)} | ours ms ${int(a.n)} -> ${int(b.n)} | ratio | simulator ms ratio |`);
    p('|---|---|---|---|---|');
    for (const x of a.rows) {
      const y = b.rows.find((r) => r.tool === x.tool);
      p(`| ${x.tool} | ${x.api} -> ${y.api} | ${f1(x.ours)} -> ${f1(y.ours)} | ${f1(y.ours / x.ours)}x | ${f1(y.sim / x.sim)}x |`);
    }
    p();
    p(`Simulator data generation: ${runs.map((r) => `${int(r.n)}: ${int(r.gen.ms)} ms`).join(', ')}.`);
    p();
  }
  return { runs, lines: out };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const opt = (f) => { const i = argv.indexOf(f); return i === -1 ? null : argv[i + 1]; };
  const quick = argv.includes('--quick');
  const sizes = (opt('--sizes') || (quick ? '1000,100000' : '1000,500000')).split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 10 || n > 2000000)) {
    console.error('bench/scale.mjs: --sizes takes opportunity counts from 10 to 2000000');
    process.exit(2);
  }
  const reps = Number(opt('--reps') || (quick ? 3 : 10));
  const { lines } = await scaleSection({ sizes, reps });
  console.log(lines.join('\n'));
}
