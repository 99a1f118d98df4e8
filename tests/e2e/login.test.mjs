// sfrevops-mcp login against the simulator's authorize and token
// endpoints, the test playing the browser: it follows the printed URL
// (the simulator approves at once and redirects to the loopback
// callback) and delivers the redirect.  PKCE is checked twice: the
// simulator verifies the code_verifier against the code_challenge, and
// the test recomputes S256 from the token request it logged.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startSim, simFetch } from './lib.mjs';

let sim;
const dirs = [];
before(async () => { sim = await startSim(); });
after(async () => {
  await sim.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function scratch() {
  const d = mkdtempSync(join(tmpdir(), 'login-'));
  dirs.push(d);
  return d;
}

const loginEnv = (xdg, extra = {}) => ({
  PATH: process.env.PATH, XDG_CONFIG_HOME: xdg, SFDC_INSTANCE_URL: sim.url,
  SFDC_CLIENT_ID: sim.client_id, SFDC_CA_FILE: sim.ca_file, ...extra,
});

/** Start login; resolves {url, port, done, proc, out()} once the URL is printed. */
async function startLogin(args, env) {
  const p = spawn(BIN, ['login', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  p.stdout.on('data', (d) => { stdout += d; });
  p.stderr.on('data', (d) => { stderr += d; });
  const done = new Promise((r) => p.once('exit', (code) => r({ code, stdout, stderr })));
  const url = await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      const m = /^ {2}(https:\/\/\S+\/services\/oauth2\/authorize\?\S+)$/m.exec(stderr);
      if (m) { clearInterval(t); resolve(new URL(m[1])); }
    }, 20);
    p.once('exit', (code) => { clearInterval(t); reject(new Error(`login exited ${code} before printing the URL: ${stderr}`)); });
  });
  return { url, done, proc: p, get stderr() { return stderr; } };
}

/** A plain HTTP GET of the loopback callback, as the browser makes it. */
function getLocal(url) {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  });
}

/** The browser: the authorize URL (the simulator approves), then its redirect. */
async function browse(url) {
  const r = await simFetch(sim, 'GET', url.pathname + url.search);
  assert.equal(r.status, 302, 'the simulator redirects: ' + r.body);
  return { location: new URL(r.headers.location), ...(await getLocal(r.headers.location)) };
}

test('login: PKCE S256 on a loopback callback; the refresh token in a 0600 file; the server then serves with it', async () => {
  const xdg = scratch();
  const port = await freePort();
  await sim.clearLog();
  const l = await startLogin(['--port', String(port)], loginEnv(xdg));
  const q = l.url.searchParams;
  assert.equal(l.url.origin, sim.url, 'the authorize URL is on SFDC_LOGIN_URL (here the instance)');
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), sim.client_id);
  assert.equal(q.get('redirect_uri'), `http://localhost:${port}/callback`);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.match(q.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(q.get('state'), /^[A-Za-z0-9_-]{22}$/);
  // Another path first (a browser's favicon): 404, and login goes on.
  assert.equal((await getLocal(`http://127.0.0.1:${port}/favicon.ico`)).status, 404);
  const b = await browse(l.url);
  assert.equal(b.location.searchParams.get('state'), q.get('state'));
  assert.equal(b.status, 200);
  assert.match(b.body, /Signed in to Salesforce/);
  const r = await l.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /login: signed in as integration@sfsim\.example\.com to 00DgK0000000001UAA \(sfsim, production\)/);
  const file = join(xdg, 'sfrevops-mcp', 'refresh_token');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(xdg, 'sfrevops-mcp')).mode & 0o777, 0o700);
  const rt = readFileSync(file, 'utf8').trim();
  assert.equal(r.stdout, '', 'nothing on stdout without --print');
  assert.ok(!r.stderr.includes(rt), 'the token is not printed');
  // The exchange, as the simulator saw it (it keeps no secret in its
  // log): one authorization_code grant, accepted, the verifier matching
  // the challenge (the next test shows a mismatch refused).
  const grant = (await sim.log()).filter((e) => e.path === '/services/oauth2/token');
  assert.equal(grant.length, 1, JSON.stringify(grant));
  assert.equal(grant[0].grant_type, 'authorization_code');
  assert.equal(grant[0].status, 200);
  const { json: tokens } = await sim.control('GET', 'tokens');
  assert.ok(tokens.refresh.includes(rt), 'the org issued that refresh token');
  // The server finds it through SFDC_REFRESH_TOKEN_FILE.
  const c = await new Promise((resolve) => {
    const p = spawn(BIN, ['call', 'query', 'soql=SELECT Id FROM Account LIMIT 1'], {
      env: { PATH: process.env.PATH, SFDC_INSTANCE_URL: sim.url, SFDC_CLIENT_ID: sim.client_id, SFDC_CA_FILE: sim.ca_file, SFDC_REFRESH_TOKEN_FILE: file },
    });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.once('exit', (code) => resolve({ code, out, err }));
  });
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /1 of 1 rows/);
});

test('login: PKCE is verified: a code issued for another challenge is refused at the exchange', async () => {
  const xdg = scratch();
  const l = await startLogin(['--port', String(await freePort())], loginEnv(xdg));
  // The browser (or an attacker in its place) swaps the challenge: the
  // code is bound to one our verifier does not hash to.
  const other = createHash('sha256').update('not the verifier').digest('base64url');
  l.url.searchParams.set('code_challenge', other);
  await browse(l.url);
  const r = await l.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /refused the authorization_code grant \(invalid_request: invalid code verifier\)/);
  assert.equal(existsSync(join(xdg, 'sfrevops-mcp', 'refresh_token')), false);
});

test('login --print: the refresh token on stdout, no file', async () => {
  const xdg = scratch();
  const l = await startLogin(['--port', String(await freePort()), '--print'], loginEnv(xdg));
  await browse(l.url);
  const r = await l.done;
  assert.equal(r.code, 0, r.stderr);
  const { json: tokens } = await sim.control('GET', 'tokens');
  assert.ok(tokens.refresh.includes(r.stdout.trim()), 'stdout is the refresh token: ' + r.stdout);
  assert.equal(existsSync(join(xdg, 'sfrevops-mcp')), false);
});

test('login: a callback with another state is refused, nothing is exchanged', async () => {
  const xdg = scratch();
  const port = await freePort();
  await sim.clearLog();
  const l = await startLogin(['--port', String(port)], loginEnv(xdg));
  const r0 = await getLocal(`http://localhost:${port}/callback?code=aPrxforged&state=not-ours`);
  assert.equal(r0.status, 400);
  const r = await l.done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /login: the callback's state does not match this login's/);
  assert.equal((await sim.log()).filter((e) => e.path === '/services/oauth2/token').length, 0);
  assert.equal(existsSync(join(xdg, 'sfrevops-mcp', 'refresh_token')), false);
});

test('login: Salesforce\'s refusal in the callback is said as it is', async () => {
  const port = await freePort();
  const l = await startLogin(['--port', String(port)], loginEnv(scratch()));
  const st = l.url.searchParams.get('state');
  await getLocal(`http://localhost:${port}/callback?error=access_denied&error_description=end-user+denied+authorization&state=${st}`);
  const r = await l.done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /login: Salesforce refused the authorization: access_denied: end-user denied authorization/);
});

test('login: a token directory others may write is refused before anything is asked', async () => {
  const xdg = scratch();
  mkdirSync(join(xdg, 'sfrevops-mcp'));
  chmodSync(join(xdg, 'sfrevops-mcp'), 0o777);
  const p = spawn(BIN, ['login', '--port', String(await freePort())], { env: loginEnv(xdg) });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((r) => p.once('exit', r));
  assert.equal(code, 1);
  assert.match(err, /\/sfrevops-mcp is writable by group or others \(mode 777\): refusing to keep a refresh token there; run: chmod go-w/);
  assert.doesNotMatch(err, /authorize/, 'no URL printed');
});

test('login: usage and configuration errors are exit 2, naming the problem', async () => {
  const cases = [
    [['--port', '0'], {}, /--port must be a port number from 1 to 65535, not '0'/],
    [['--port', '65536'], {}, /not '65536'/],
    [['--port', 'x'], {}, /not 'x'/],
    [['--port'], {}, /--port needs a number/],
    [['--bogus'], {}, /login: unknown option '--bogus'/],
    [[], { SFDC_CLIENT_ID: '' }, /configuration: login needs SFDC_CLIENT_ID/],
  ];
  for (const [args, extra, re] of cases) {
    const p = spawn(BIN, ['login', ...args], { env: loginEnv(scratch(), extra) });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((r) => p.once('exit', r));
    assert.equal(code, 2, args.join(' ') + ': ' + err);
    assert.match(err, re, args.join(' '));
  }
  // 65535, the bound itself, is taken: the URL names it.
  const l = await startLogin(['--port', '65535'], loginEnv(scratch()));
  assert.equal(l.url.searchParams.get('redirect_uri'), 'http://localhost:65535/callback');
  l.proc.kill('SIGTERM');
  await l.done;
});

test('login --sandbox: the authorize URL is test.salesforce.com\'s', async () => {
  const l = await startLogin(['--sandbox', '--port', String(await freePort())], loginEnv(scratch()));
  assert.equal(l.url.origin, 'https://test.salesforce.com');
  l.proc.kill('SIGTERM');
  await l.done;
});
