// Shared helpers for the end-to-end tests: start the Salesforce
// simulator, start sfrevops-mcp as a desktop client would, and look at
// the process tree.  Everything started here is stopped here.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const here = dirname(fileURLToPath(import.meta.url));
export const srcdir = join(here, '..', '..');
export const BIN = process.env.SFREVOPS_BIN || join(srcdir, 'sfrevops-mcp');

/** Start sfsim; resolves with its ready line plus stop(). */
export async function startSim(args = []) {
  // A 0700 directory: the server's parent reads SFDC_CA_FILE before any
  // child drops to its unprivileged user, so nobody else needs access.
  const dir = mkdtempSync(join(tmpdir(), 'sfsim-'));
  const proc = spawn(process.execPath,
    [join(srcdir, 'tests', 'sfsim', 'sfsim.js'), '--dir', dir, ...args],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const info = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error('sfsim did not start: ' + stderr)), 60000);
    rl.once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line)); });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`sfsim exited ${code}: ${stderr}`)); });
  });
  const sim = {
    ...info, proc, dir,
    async control(method, path, body) {
      const res = await simFetch(info, method, '/__sim/' + path, body, { 'X-Sim-Secret': info.control_secret });
      return res;
    },
    /** The request log, cleared, and an object's records (control API). */
    async log() { return controlJson(sim, 'GET', 'log'); },
    async clearLog() { await controlJson(sim, 'DELETE', 'log'); },
    async records(object) { return controlJson(sim, 'GET', 'records/' + object); },
    async stop() {
      if (proc.exitCode === null) {
        proc.stdin.end();
        await new Promise((r) => { proc.once('exit', r); setTimeout(() => { proc.kill('SIGKILL'); r(); }, 3000); });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return sim;
}

async function controlJson(sim, method, path) {
  const r = await sim.control(method, path);
  if (r.status >= 300) throw new Error(`control ${method} ${path}: HTTP ${r.status} ${r.body}`);
  return r.json;
}

/**
 * The three requests of the broker's SF_IDENTITY (once per process, at
 * the first call that goes to the org: the front names the org in every
 * result): the version's resource list, the User row, the Organization
 * row.  The counting tests count what a tool sends, so dataCalls()
 * leaves them out; identityCalls() finds them.
 */
const IDENTITY_SOQL = /^SELECT Id, Username, Name, TimeZoneSidKey FROM User WHERE Id = '005\w+' LIMIT 1$|^SELECT Id, Name, IsSandbox, OrganizationType FROM Organization LIMIT 1$/;
export const isIdentity = (e) => /^\/services\/data\/v\d+\.\d+\/$/.test(e.path)
  || (typeof e.soql === 'string' && IDENTITY_SOQL.test(e.soql));
export const identityCalls = (log) => log.filter(isIdentity);
/** Filters of the simulator's request log. */
export const dataCalls = (log) => log.filter((e) => e.path.startsWith('/services/data/') && !isIdentity(e));
export const queries = (log) => dataCalls(log).filter((e) => /\/query/.test(e.path));
/** The text blocks of a tool result, joined. */
export const textOf = (res) => stripOrg(res.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n'));
/** A result's text after its first line, "Org: ..." (front.c, org_note). */
export const stripOrg = (t) => t.replace(/^Org: [^\n]*\n/, '');
/** The whole text, the org line included. */
export const rawTextOf = (res) => res.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');

/** HTTPS to the simulator, trusting only its CA. */
export async function simFetch(info, method, path, body, headers = {}) {
  const https = await import('node:https');
  const ca = readFileSync(info.ca_file);
  const url = new URL(path, info.url);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers: { 'Content-Type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: data, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

/**
 * The environment a desktop client would give the server for sim.  The
 * FLS mode is pinned to security_enforced: the tests that count requests
 * and compare statements were written for it, and the default (auto)
 * adds one probe at the first query.  fls_auto.test.mjs tests the
 * default with autoEnv(), which leaves SFDC_FLS_MODE out.
 */
export function simEnv(sim, extra = {}) {
  return {
    PATH: process.env.PATH,
    SFDC_INSTANCE_URL: sim.instance_url || sim.url,
    SFDC_LOGIN_URL: sim.login_url || sim.url,
    SFDC_ACCESS_TOKEN: sim.access_token,
    SFDC_CA_FILE: sim.ca_file,
    SFDC_FLS_MODE: 'security_enforced',
    ...extra,
  };
}

/** simEnv() without SFDC_FLS_MODE: the server's default. */
export function autoEnv(sim, extra = {}) {
  const env = simEnv(sim, extra);
  if (!('SFDC_FLS_MODE' in extra)) delete env.SFDC_FLS_MODE;
  return env;
}

/**
 * Start the server through the official MCP SDK client, as a desktop
 * client does; stderr is collected.  The SDK is imported here, not at
 * the top, so that the tests that need no npm module can use this file.
 */
export async function connectSdk(env, opened = null) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({ command: BIN, args: [], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    await new Promise((r) => setTimeout(r, 100));
    throw new Error(`connect failed: ${e.message}; server stderr: ${stderr}`);
  }
  if (opened) opened.push(client);
  return { client, transport, get stderr() { return stderr; } };
}

/** A server with no reachable org: enough for the MCP core. */
export function offlineEnv(extra = {}) {
  return {
    PATH: process.env.PATH,
    SFDC_INSTANCE_URL: 'https://127.0.0.1:9',
    SFDC_ACCESS_TOKEN: '00D000000000001!offline-token',
    ...extra,
  };
}

/**
 * Spawn the server with raw pipes.  send() writes lines; next() waits
 * for the next stdout line (parsed); lines and stderr are kept.  bin:
 * another build's parent (bench/startup.mjs compares two).
 */
export function spawnRaw(env, bin = BIN) {
  const proc = spawn(bin, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  let stderr = '';
  let buf = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) !== -1) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      const w = waiters.shift();
      if (w) w();
    }
  });
  proc.stderr.on('data', (d) => { stderr += d; });
  let consumed = 0;
  const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  return {
    proc, exited,
    get stderr() { return stderr; },
    get lines() { return lines; },
    send(obj) { proc.stdin.write((typeof obj === 'string' ? obj : JSON.stringify(obj)) + '\n'); },
    async next(timeout = 10000) {
      if (consumed >= lines.length) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no answer within ' + timeout + ' ms; stderr: ' + stderr)), timeout);
          waiters.push(() => { clearTimeout(t); resolve(); });
        });
      }
      const line = lines[consumed++];
      return JSON.parse(line);
    },
    /** Resolves true if no line arrives within ms. */
    async silent(ms = 300) {
      const before = lines.length;
      await new Promise((r) => setTimeout(r, ms));
      return lines.length === before;
    },
    async close() {
      proc.stdin.end();
      return exited;
    },
  };
}

export async function initialize(s, version = '2025-11-25', id = 0) {
  s.send({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } });
  const r = await s.next();
  s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return r;
}

/** Direct children of pid (and theirs): [{pid, name}]. */
export function descendants(pid) {
  const out = [];
  const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  const parentOf = new Map();
  for (const p of all) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(p), Number(rest[1]));
    } catch { /* gone */ }
  }
  const walk = (pp) => {
    for (const [c, par] of parentOf) {
      if (par === pp) {
        let cmd = '';
        try { cmd = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch { /* gone */ }
        out.push({ pid: c, cmd });
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

export function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor(pred, ms = 3000, step = 20) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await pred()) return true;
    await new Promise((r) => setTimeout(r, step));
  }
  return pred();
}

/** Wait until the process tree has its three children. */
export async function waitTree(pid) {
  let kids = [];
  await waitFor(() => { kids = descendants(pid).filter((k) => / -R /.test(k.cmd)); return kids.length === 3; }, 5000);
  return kids;
}
