// OAuth grants: refresh (with and without rotation), JWT bearer,
// client_credentials, authorization code + PKCE, revocation, token TTL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startSim } from './helpers.mjs';

let sim;
let rot;
before(async () => {
  sim = await startSim(['--opportunities', '50']);
  rot = await startSim(['--opportunities', '50', '--rotate-refresh', '--token-ttl', '1']);
});
after(async () => { await sim.stop(); await rot.stop(); });

const form = (s, params, headers = {}) => s.fetch('POST', '/services/oauth2/token', {
  token: null, body: new URLSearchParams(params).toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
});
const b64u = (b) => Buffer.from(b).toString('base64url');
const limits = (s, token) => s.fetch('GET', '/services/data/v60.0/limits', { token });

test('refresh grant: new access token, no refresh_token, no expires_in', async () => {
  const r = await form(sim, { grant_type: 'refresh_token', refresh_token: sim.refresh_token, client_id: sim.client_id, client_secret: sim.client_secret });
  assert.equal(r.status, 200);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(r.json.instance_url, sim.instance_url);
  assert.equal(typeof r.json.issued_at, 'string');
  assert.equal(r.json.refresh_token, undefined);
  assert.equal(r.json.expires_in, undefined);
  assert.equal((await limits(sim, r.json.access_token)).status, 200);
  const bad = await form(sim, { grant_type: 'refresh_token', refresh_token: 'nope', client_id: sim.client_id });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
});

test('rotation invalidates the old refresh token; the TTL expires access tokens', async () => {
  const r1 = await form(rot, { grant_type: 'refresh_token', refresh_token: rot.refresh_token, client_id: rot.client_id });
  assert.equal(r1.status, 200);
  assert.ok(r1.json.refresh_token && r1.json.refresh_token !== rot.refresh_token);
  const again = await form(rot, { grant_type: 'refresh_token', refresh_token: rot.refresh_token, client_id: rot.client_id });
  assert.equal(again.status, 400);
  assert.equal((await limits(rot, r1.json.access_token)).status, 200);
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await limits(rot, r1.json.access_token)).status, 401);
});

function jwt(claims, key) {
  const head = b64u(JSON.stringify({ alg: 'RS256' }));
  const body = b64u(JSON.stringify(claims));
  const sig = crypto.sign('RSA-SHA256', Buffer.from(head + '.' + body), key);
  return head + '.' + body + '.' + b64u(sig);
}

test('JWT bearer grant', async () => {
  const key = readFileSync(sim.jwt_key_file);
  const now = Math.floor(Date.now() / 1000);
  const good = { iss: sim.client_id, sub: sim.username, aud: sim.login_url, exp: now + 180 };
  const grant = (claims, k = key) => form(sim, { grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: jwt(claims, k) });
  const r = await grant(good);
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.refresh_token, undefined);
  assert.equal((await limits(sim, r.json.access_token)).status, 200);
  assert.equal((await grant({ ...good, aud: 'https://login.salesforce.com' })).status, 200);
  for (const bad of [{ ...good, exp: now - 10 }, { ...good, exp: now + 3600 }, { ...good, aud: 'https://evil.example' }, { ...good, sub: 'someone@else' }, { ...good, iss: 'other' }]) {
    const e = await grant(bad);
    assert.equal(e.status, 400, JSON.stringify(bad));
    assert.ok(e.json.error && e.json.error_description);
  }
  const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  assert.equal((await grant(good, otherKey)).json.error, 'invalid_grant');
});

test('client_credentials, in the body or with HTTP Basic', async () => {
  const body = await form(sim, { grant_type: 'client_credentials', client_id: sim.client_id, client_secret: sim.client_secret });
  assert.equal(body.status, 200);
  const basic = await form(sim, { grant_type: 'client_credentials' }, { Authorization: 'Basic ' + Buffer.from(`${sim.client_id}:${sim.client_secret}`).toString('base64') });
  assert.equal(basic.status, 200);
  const bad = await form(sim, { grant_type: 'client_credentials', client_id: sim.client_id, client_secret: 'wrong' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error, 'invalid_client');
});

test('authorization code with PKCE', async () => {
  const verifier = b64u(crypto.randomBytes(32));
  const challenge = b64u(crypto.createHash('sha256').update(verifier).digest());
  const redirect = 'http://localhost:7777/cb';
  const authorize = async () => {
    const r = await sim.fetch('GET', `/services/oauth2/authorize?response_type=code&client_id=${encodeURIComponent(sim.client_id)}&redirect_uri=${encodeURIComponent(redirect)}&code_challenge=${challenge}&state=xyz`, { token: null });
    assert.equal(r.status, 302);
    const loc = new URL(r.headers.location);
    assert.equal(loc.origin + loc.pathname, redirect);
    assert.equal(loc.searchParams.get('state'), 'xyz');
    return loc.searchParams.get('code');
  };
  const exchange = (code, extra) => form(sim, { grant_type: 'authorization_code', code, client_id: sim.client_id, redirect_uri: redirect, ...extra });
  let e = await exchange(await authorize(), { code_verifier: 'wrong-verifier' });
  assert.equal(e.json.error, 'invalid_request');
  e = await exchange(await authorize(), {});
  assert.equal(e.json.error, 'invalid_grant');
  const code = await authorize();
  const ok = await exchange(code, { code_verifier: verifier });
  assert.equal(ok.status, 200, ok.body);
  assert.ok(ok.json.refresh_token);
  assert.equal((await exchange(code, { code_verifier: verifier })).status, 400, 'a code is single-use');

  // Revoking the refresh token revokes its access tokens.
  assert.equal((await limits(sim, ok.json.access_token)).status, 200);
  const rv = await sim.fetch('POST', '/services/oauth2/revoke', { token: null, body: `token=${encodeURIComponent(ok.json.refresh_token)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(rv.status, 200);
  assert.equal((await limits(sim, ok.json.access_token)).status, 401);
  const again = await form(sim, { grant_type: 'refresh_token', refresh_token: ok.json.refresh_token, client_id: sim.client_id });
  assert.equal(again.json.error, 'invalid_grant');
});

test('control: expire-tokens and revoke-refresh', async () => {
  assert.equal((await limits(sim, sim.access_token)).status, 200);
  await sim.control('POST', 'expire-tokens');
  assert.equal((await limits(sim, sim.access_token)).status, 401);
  await sim.control('POST', 'revoke-refresh');
  const r = await form(sim, { grant_type: 'refresh_token', refresh_token: sim.refresh_token, client_id: sim.client_id });
  assert.deepEqual(r.json, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
  const log = (await sim.control('GET', 'log')).json.filter((x) => x.path === '/services/oauth2/token');
  assert.ok(log.length > 0 && log.every((x) => x.body === null), 'token requests are logged without their secrets');
});
