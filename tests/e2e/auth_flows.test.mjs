// Authentication end to end against the simulator: every flow that can
// obtain a token (JWT bearer, client credentials, refresh), every place a
// secret may come from (environment, *_FILE, *_COMMAND, systemd
// credentials), and the retries that must and must not happen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { startSim, spawnRaw, connectSdk, dataCalls, textOf } from './lib.mjs';

let sim;
let dir;
const opened = [];

before(async () => {
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), 'sfauth-'));
});
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The environment without a static token: the flow must mint one.  The
 * FLS mode is pinned, as in simEnv(): these tests count requests.
 */
function baseEnv(extra) {
  return {
    PATH: process.env.PATH,
    SFDC_INSTANCE_URL: sim.instance_url,
    SFDC_LOGIN_URL: sim.login_url,
    SFDC_CA_FILE: sim.ca_file,
    SFDC_FLS_MODE: 'security_enforced',
    SFDC_STARTUP_CHECK: 'off',	// as in simEnv(): its describe would take a fault meant for a tool
    SFDC_JOURNAL: 'none',	// reads only: the writer asks nothing
    ...extra,
  };
}

const connect = (env) => connectSdk(env, opened);

const simLog = () => sim.log();
const clearLog = () => sim.clearLog();
const grants = (log) => log.filter((e) => e.path === '/services/oauth2/token').map((e) => e.grant_type);

async function oneQuery(c) {
  const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account LIMIT 2' } });
  assert.equal(r.isError, false, textOf(r));
  assert.equal(r.structuredContent.rows.length, 2);
  return r;
}

function secretFile(name, value, mode = 0o600) {
  const p = join(dir, name);
  writeFileSync(p, value);
  chmodSync(p, mode);
  return p;
}

test('JWT bearer: signed with the private key from a file, renewed after expiry', async () => {
  await clearLog();
  const c = await connect(baseEnv({
    SFDC_CLIENT_ID: sim.client_id, SFDC_USERNAME: sim.username, SFDC_PRIVATE_KEY_FILE: sim.jwt_key_file,
  }));
  await oneQuery(c);
  assert.deepEqual(grants(await simLog()), ['urn:ietf:params:oauth:grant-type:jwt-bearer']);
  await sim.control('POST', 'expire-tokens', {});
  await clearLog();
  await oneQuery(c);
  const log = await simLog();
  assert.deepEqual(grants(log), ['urn:ietf:params:oauth:grant-type:jwt-bearer'], 'one new assertion');
  assert.deepEqual(dataCalls(log).map((e) => e.status), [401, 200]);
  await sim.control('POST', 'reset', {});	// the ready line's token is valid again
});

test('client credentials, the secret from a 0600 file', async () => {
  await clearLog();
  const c = await connect(baseEnv({
    SFDC_CLIENT_ID: sim.client_id, SFDC_CLIENT_SECRET_FILE: secretFile('cs', sim.client_secret + '\n'),
  }));
  await oneQuery(c);
  assert.deepEqual(grants(await simLog()), ['client_credentials']);
  assert.ok(!c.stderr.includes(sim.client_secret));
});

test('a token from *_COMMAND and from systemd credentials', async () => {
  const script = secretFile('tok.sh', `#!/bin/sh\nprintf '%s\\n' '${sim.access_token}'\n`, 0o700);
  let c = await connect(baseEnv({ SFDC_ACCESS_TOKEN_COMMAND: script }));
  await oneQuery(c);
  assert.ok(!c.stderr.includes(sim.access_token));

  // The command sees none of our variables: not a secret given as a
  // plain value (here the client secret), not where the others are.
  const nosy = secretFile('nosy.sh', `#!/bin/sh\nif env | grep -q '^SFDC_'; then env | grep '^SFDC_' | cut -d= -f1 >&2; exit 3; fi\n` +
    `[ -n "$PATH" ] && [ "$NOSY_KEEP" = kept ] || exit 4\nprintf '%s\\n' '${sim.access_token}'\n`, 0o700);
  c = await connect(baseEnv({ SFDC_ACCESS_TOKEN_COMMAND: nosy, SFDC_CLIENT_SECRET: 'plain-secret-value', NOSY_KEEP: 'kept' }));
  await oneQuery(c);

  const creds = mkdtempSync(join(dir, 'creds-'));
  writeFileSync(join(creds, 'SFDC_ACCESS_TOKEN'), sim.access_token);
  chmodSync(join(creds, 'SFDC_ACCESS_TOKEN'), 0o400);
  c = await connect(baseEnv({ CREDENTIALS_DIRECTORY: creds }));
  await oneQuery(c);
});

test('unsafe or ambiguous secret sources are refused at start, naming the variable', async () => {
  const cases = [
    [{ SFDC_ACCESS_TOKEN_FILE: secretFile('open', sim.access_token, 0o644) }, /SFDC_ACCESS_TOKEN_FILE.*(group|world)/],
    [{ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_ACCESS_TOKEN_FILE: secretFile('dup', sim.access_token) }, /more than one/],
    [{ SFDC_ACCESS_TOKEN_COMMAND: 'exit 3' }, /SFDC_ACCESS_TOKEN_COMMAND/],
    [{}, /no credentials/],
    [{ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_CA_FILE: join(dir, 'missing.pem') }, /CA bundle .*missing\.pem: No such file/],
    [{ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_HTTP_TIMEOUT_MS: '999' }, /SFDC_HTTP_TIMEOUT_MS must be/],
    [{ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_HTTP_TIMEOUT_MS: '5s' }, /SFDC_HTTP_TIMEOUT_MS must be/],
    [{ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_CA_FILE: secretFile('notpem', 'hello') }, /CA bundle .*notpem holds no PEM certificate/],
  ];
  for (const [extra, re] of cases) {
    const s = spawnRaw(baseEnv(extra));
    const { code } = await s.exited;
    assert.equal(code, 1, JSON.stringify(extra));
    assert.match(s.stderr, re, s.stderr);
    assert.equal(s.lines.length, 0, 'nothing on stdout');
    assert.ok(!s.stderr.includes(sim.access_token), 'the token is not in the error');
  }
});

test('idempotent reads are retried on lock contention, resets and truncation; a 400 is not', async () => {
  const c = await connect(baseEnv({ SFDC_ACCESS_TOKEN: sim.access_token }));
  const cases = [
    [{ status: 400, errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' }, 2],
    [{ reset: 'before' }, 2],
    [{ truncate: true }, 2],
  ];
  for (const [action, calls] of cases) {
    await clearLog();
    await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/' }, count: 1, action });
    await oneQuery(c);
    assert.equal(dataCalls(await simLog()).length, calls, JSON.stringify(action));
  }
  await clearLog();
  await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/' }, count: 1, action: { status: 400, errorCode: 'QUERY_TIMEOUT', message: 'Your query request was running for too long.' } });
  const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 2' } });
  assert.equal(r.isError, true);
  assert.match(textOf(r), /QUERY_TIMEOUT/);
  assert.equal(dataCalls(await simLog()).length, 1, 'not retried');
  await sim.control('DELETE', 'faults');
});

test('https_proxy is honoured: the broker tunnels through a CONNECT proxy, TLS verified end to end', async () => {
  const seen = [];
  const proxy = http.createServer((req, res) => { res.writeHead(405); res.end(); });
  proxy.on('connect', (req, client, head) => {
    seen.push(req.url);
    const i = req.url.lastIndexOf(':');
    const up = net.connect(Number(req.url.slice(i + 1)), req.url.slice(0, i), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  try {
    const c = await connect(baseEnv({ SFDC_ACCESS_TOKEN: sim.access_token, https_proxy: `http://127.0.0.1:${proxy.address().port}` }));
    await oneQuery(c);
    const host = new URL(sim.instance_url).host;
    assert.ok(seen.length >= 1 && seen.every((u) => u === host), 'CONNECTs: ' + JSON.stringify(seen));
    await c.client.close();
  } finally {
    proxy.close();
  }
});

test('an attempt that outlives SFDC_HTTP_TIMEOUT_MS is abandoned and retried', async () => {
  const c = await connect(baseEnv({ SFDC_ACCESS_TOKEN: sim.access_token, SFDC_HTTP_TIMEOUT_MS: '1500' }));
  await sim.control('POST', 'faults', { match: { path_prefix: '/services/data/' }, count: 1, action: { delay_ms: 5000 } });
  await oneQuery(c);
  const retries = c.stderr.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.msg === 'http retry');
  assert.equal(retries.length, 1, c.stderr);
  assert.equal(retries[0].curl, 28, 'CURLE_OPERATION_TIMEDOUT');
  await sim.control('DELETE', 'faults');
});
