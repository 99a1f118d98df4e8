// make check-org's gate (tests/org/check-org.mjs), against the
// simulator's Organization row since no real org is reachable here: a
// SKIP with the reason without the variables, a refusal of an org that
// is neither a sandbox nor a Developer Edition unless
// SFDC_ORG_ALLOW_PRODUCTION=1, the refresh-token trio, and the org
// suite (tests/org/*.test.mjs) run whole against the simulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { srcdir, startSim } from './lib.mjs';

const runner = join(srcdir, 'tests', 'org', 'check-org.mjs');
let sim;
before(async () => { sim = await startSim(); });
after(async () => { if (sim) await sim.stop(); });

function run(extra) {
  const env = { PATH: process.env.PATH, ...(process.env.SFREVOPS_BIN ? { SFREVOPS_BIN: process.env.SFREVOPS_BIN } : {}), ...extra };
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [runner], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}
const org = (extra = {}) => ({ SFDC_ORG_INSTANCE_URL: sim.url, SFDC_ORG_CA_FILE: sim.ca_file, ...extra });
const setOrg = async (body) => {
  const r = await sim.control('POST', 'org', body);
  assert.equal(r.status, 200, r.body);
};

test('without the variables: SKIP with the reason, status 0', async () => {
  const r = await run({});
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^1\.\.0 # SKIP no org: set SFDC_ORG_INSTANCE_URL and SFDC_ORG_ACCESS_TOKEN/);
});

test('an instance URL without credentials: SKIP naming what is missing', async () => {
  const r = await run(org({ SFDC_ORG_CLIENT_ID: 'x' }));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^1\.\.0 # SKIP no credentials for .*missing: SFDC_ORG_CLIENT_SECRET, SFDC_ORG_REFRESH_TOKEN/);
});

test('a URL that is not https is an error', async () => {
  const r = await run({ SFDC_ORG_INSTANCE_URL: 'http://example.com', SFDC_ORG_ACCESS_TOKEN: 'x' });
  assert.equal(r.code, 1);
  assert.match(r.err, /must be https/);
});

test('a bad token: the Organization row cannot be read, status 1', async () => {
  const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: '00D000000000001!nope' }));
  assert.equal(r.code, 1);
  assert.match(r.err, /could not read the Organization row .*HTTP 401/);
});

test('a Developer Edition and a sandbox pass the gate; production is refused unless allowed', async () => {
  try {
    let r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, CHECK_ORG_GATE_ONLY: '1' }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /, a Developer Edition/);

    await setOrg({ is_sandbox: false, org_type: 'Enterprise Edition' });
    r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, CHECK_ORG_GATE_ONLY: '1' }));
    assert.equal(r.code, 1, 'refused: ' + r.out);
    assert.match(r.err, /refusing .*IsSandbox is false and OrganizationType is "Enterprise Edition".*SFDC_ORG_ALLOW_PRODUCTION=1/);
    assert.equal(r.out, '', 'no test ran');

    r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, CHECK_ORG_GATE_ONLY: '1', SFDC_ORG_ALLOW_PRODUCTION: '1' }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /"Enterprise Edition" \(SFDC_ORG_ALLOW_PRODUCTION=1\)/);
    r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, CHECK_ORG_GATE_ONLY: '1', SFDC_ORG_ALLOW_PRODUCTION: 'yes' }));
    assert.equal(r.code, 1, 'only 1 allows');

    await setOrg({ is_sandbox: true, org_type: 'Enterprise Edition' });
    r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, CHECK_ORG_GATE_ONLY: '1' }));
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /, a sandbox/);
  } finally {
    await setOrg({ is_sandbox: false, org_type: 'Developer Edition' });
  }
});

test('the refresh-token trio gets a token first', async () => {
  const r = await run(org({ SFDC_ORG_CLIENT_ID: sim.client_id, SFDC_ORG_CLIENT_SECRET: sim.client_secret,
    SFDC_ORG_REFRESH_TOKEN: sim.refresh_token, CHECK_ORG_GATE_ONLY: '1' }));
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /a Developer Edition/);
  const bad = await run(org({ SFDC_ORG_CLIENT_ID: sim.client_id, SFDC_ORG_CLIENT_SECRET: sim.client_secret,
    SFDC_ORG_REFRESH_TOKEN: 'nope', CHECK_ORG_GATE_ONLY: '1' }));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /the refresh token was refused/);
});

test('the org suite runs whole against the simulator', async () => {
  const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token }));
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^# pass [1-9]/m, r.out);
  assert.match(r.out, /^# fail 0$/m, r.out);
  assert.match(r.out, /# SKIP not written yet: the write tools/, 'the write round trip is named as skipped');
});
