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
    // Off for the same reason: its describe of Opportunity, right after
    // initialize, races the log a test clears and fills the broker's
    // describe cache before the tool asks.  startup_check.test.mjs runs
    // the default (on) and counts a tool's requests once it is done.
    SFDC_STARTUP_CHECK: 'off',
    // Reads only, unless a test names a journal: no file of the user's
    // is written, and the writer asks the org nothing at start-up.
    SFDC_JOURNAL: 'none',
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
    SFDC_JOURNAL: 'none',
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

// ------------------------------------------------------------ writes

/** The POST /composite entries of the simulator's log. */
export const composites = (log) => log.filter((e) => e.method === 'POST' && /\/services\/data\/v\d+\.\d+\/composite$/.test(e.path));

/** POST /__sim/<path> with a JSON body; throws unless 2xx. */
export async function simPost(sim, path, body) {
  const r = await sim.control('POST', path, body);
  if (r.status >= 300) throw new Error(`control POST ${path}: HTTP ${r.status} ${r.body}`);
  return r.json;
}

/**
 * A write tool's call: {res, out, text, isError}; out is the structured
 * result (or the JSON of the text when the protocol has none).  A
 * JSON-RPC error (a schema refusal) is returned as {isError, text, rpc}.
 */
export async function callWrite(client, name, args) {
  let res;
  try {
    res = await client.callTool({ name, arguments: args });
  } catch (e) {
    return { res: null, out: null, text: String(e.message), isError: true, rpc: e };
  }
  const text = textOf(res);
  let out = res.structuredContent || null;
  if (!out) { try { out = JSON.parse(text); } catch { /* text only */ } }
  return { res, out, text, isError: res.isError === true };
}

/** The journal's lines, parsed (a line that is not JSON throws). */
export function journalLines(file) {
  let text;
  try { text = readFileSync(file, 'utf8'); } catch (e) { if (e.code === 'ENOENT') return []; throw e; }
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('the journal does not end with a new line');
  return lines.slice(0, -1).map((l, i) => { try { return JSON.parse(l); } catch { throw new Error(`journal line ${i + 1} is not JSON: ${l}`); } });
}

/** The last journal event of each attempt: Map(attempt -> line). */
export function journalFinal(lines) {
  const m = new Map();
  for (const l of lines) m.set(l.attempt, l);
  return m;
}

const MASK = (1n << 64n) - 1n;
const IV = ['6a09e667f3bcc908', 'bb67ae8584caa73b', '3c6ef372fe94f82b', 'a54ff53a5f1d36f1',
  '510e527fade682d1', '9b05688c2b3e6c1f', '1f83d9abfb41bd6b', '5be0cd19137e2179'].map((h) => BigInt('0x' + h));
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]];
const rotr = (x, n) => ((x >> BigInt(n)) | (x << BigInt(64 - n))) & MASK;

/**
 * BLAKE2b (RFC 7693) with an outlen-byte digest, hex: the journal's
 * payload_hash is BLAKE2b-256, which node's crypto does not offer.  Slow
 * (BigInt) and only for tests.
 */
export function blake2bHex(data, outlen = 32) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(String(data), 'utf8');
  const h = IV.slice();
  h[0] ^= 0x01010000n ^ BigInt(outlen);
  const blocks = Math.max(1, Math.ceil(buf.length / 128));
  for (let b = 0; b < blocks; b++) {
    const block = Buffer.alloc(128);
    buf.copy(block, 0, b * 128, Math.min(buf.length, (b + 1) * 128));
    const m = Array.from({ length: 16 }, (_, i) => block.readBigUInt64LE(i * 8));
    const last = b === blocks - 1;
    const t = BigInt(last ? buf.length : (b + 1) * 128);
    const v = [...h, ...IV];
    v[12] ^= t & MASK;
    v[13] ^= t >> 64n;
    if (last) v[14] ^= MASK;
    const G = (a, bb, c, d, x, y) => {
      v[a] = (v[a] + v[bb] + x) & MASK; v[d] = rotr(v[d] ^ v[a], 32);
      v[c] = (v[c] + v[d]) & MASK; v[bb] = rotr(v[bb] ^ v[c], 24);
      v[a] = (v[a] + v[bb] + y) & MASK; v[d] = rotr(v[d] ^ v[a], 16);
      v[c] = (v[c] + v[d]) & MASK; v[bb] = rotr(v[bb] ^ v[c], 63);
    };
    for (let r = 0; r < 12; r++) {
      const s = SIGMA[r % 10];
      G(0, 4, 8, 12, m[s[0]], m[s[1]]); G(1, 5, 9, 13, m[s[2]], m[s[3]]);
      G(2, 6, 10, 14, m[s[4]], m[s[5]]); G(3, 7, 11, 15, m[s[6]], m[s[7]]);
      G(0, 5, 10, 15, m[s[8]], m[s[9]]); G(1, 6, 11, 12, m[s[10]], m[s[11]]);
      G(2, 7, 8, 13, m[s[12]], m[s[13]]); G(3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
  }
  const out = Buffer.alloc(64);
  h.forEach((x, i) => out.writeBigUInt64LE(x, i * 8));
  return out.subarray(0, outlen).toString('hex');
}
