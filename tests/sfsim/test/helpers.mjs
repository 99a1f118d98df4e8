// Shared by the sfsim tests: start a simulator on a free port in a fresh
// temporary directory, talk HTTPS to it trusting only its own CA, and
// stop it (stdin EOF) afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import https from 'node:https';

const here = dirname(fileURLToPath(import.meta.url));
export const SFSIM = join(here, '..', 'sfsim.js');

export async function startSim(args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'sfsim-test-'));
  const proc = spawn(process.execPath, [SFSIM, '--dir', dir, '--port', '0', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const extra = [];
  const info = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    const timer = setTimeout(() => reject(new Error('sfsim did not start: ' + stderr)), 60000);
    let first = true;
    rl.on('line', (line) => {
      if (first) { first = false; clearTimeout(timer); resolve(JSON.parse(line)); } else extra.push(line);
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`sfsim exited ${code}: ${stderr}`)); });
  });
  const ca = readFileSync(info.ca_file);
  const sim = {
    ...info, proc, dir, ca, extraStdout: extra,
    get stderr() { return stderr; },
    /** Raw HTTPS request; resolves {status, headers, body, json} or rejects on socket errors. */
    fetch(method, path, { body, headers = {}, token = info.access_token } = {}) {
      const h = { ...headers };
      if (token) h.Authorization = 'Bearer ' + token;
      if (body !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
      return new Promise((resolve, reject) => {
        const req = https.request(new URL(path, info.url), { method, ca, headers: h, agent: false }, (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d) => { data += d; });
          res.on('end', () => {
            let json = null;
            try { json = JSON.parse(data); } catch { /* not JSON */ }
            resolve({ status: res.statusCode, headers: res.headers, body: data, json });
          });
          res.on('error', reject);
          res.on('aborted', () => reject(new Error('aborted')));
        });
        req.on('error', reject);
        if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
        req.end();
      });
    },
    query(soql, opts = {}) {
      return sim.fetch('GET', `/services/data/v60.0/query?q=${encodeURIComponent(soql)}`, opts);
    },
    control(method, path, body) {
      return sim.fetch(method, '/__sim/' + path, { body, token: null, headers: { 'X-Sim-Secret': info.control_secret } });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', (code, signal) => r({ code, signal })));
        proc.stdin.end();
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        const res = await exited;
        clearTimeout(t);
        rmSync(dir, { recursive: true, force: true });
        return res;
      }
      rmSync(dir, { recursive: true, force: true });
      return { code: proc.exitCode, signal: proc.signalCode };
    },
  };
  return sim;
}

/** Today's date as a day number, and day arithmetic on YYYY-MM-DD. */
export function addDays(ymd, n) {
  return new Date(Date.parse(ymd + 'T00:00:00Z') + n * 86400000).toISOString().slice(0, 10);
}
