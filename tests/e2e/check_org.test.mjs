// make check-org's gate (tests/org/check-org.mjs), against the
// simulator's Organization row since no real org is reachable here: a
// SKIP with the reason without the variables, a refusal of an org that
// is neither a sandbox nor a Developer Edition unless
// SFDC_ORG_ALLOW_PRODUCTION=1, the refresh-token trio, and the org
// suite (tests/org/*.test.mjs) run whole against the simulator posing as
// a real org: the reads, and the write round trip on a record named by
// SFDC_ORG_WRITE_RECORD (its change, the audit rows, the restore through
// update_field, the note, and the clean-up through the REST API, with
// what the org would not let it delete reported).
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

test('the org suite runs whole against the simulator; without a record to write, the writes are skipped saying why', async () => {
  const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token }));
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^# pass [1-9]/m, r.out);
  assert.match(r.out, /^# fail 0$/m, r.out);
  assert.match(r.out, /# SKIP no record to write: set SFDC_ORG_WRITE_RECORD .* and SFDC_ORG_WRITE_FIELD/, 'the write round trip is named as skipped');
  assert.equal((await sim.records('Cleanup_Audit__c')).length, 0, 'nothing written');
});

// The write half: the simulator posing as a real org (its Organization
// row a Developer Edition), a record named as a user would name a
// throw-away one.  The whole sequence runs and, afterwards, the org is
// as it was: the field holds its old value (its history shows the change
// and the restore, both through update_field), and neither the note, its
// link nor any of the run's audit rows is left.
test('the write round trip against the simulator: change, read back, audit row, restore, note, and the clean-up', async () => {
  const opp = (await sim.records('Opportunity')).find((o) => !o.IsClosed && o.NextStep);
  assert.ok(opp, 'an open opportunity with a NextStep');
  const before = { audits: (await sim.records('Cleanup_Audit__c')).length, notes: (await sim.records('ContentNote')).length, links: (await sim.records('ContentDocumentLink')).length };
  await sim.control('DELETE', 'history');
  const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, SFDC_ORG_WRITE_RECORD: opp.Id, SFDC_ORG_WRITE_FIELD: 'NextStep' }));
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^# fail 0$/m, r.out);
  const run_ = /check-org (co[0-9a-z]+): removed (\d+): ([^\n]*)/.exec(r.out);
  assert.ok(run_, 'the clean-up reports what it removed: ' + r.out);
  assert.equal(Number(run_[2]), 4, 'the note and three audit rows removed: ' + run_[3]);
  assert.match(r.out, new RegExp(`check-org ${run_[1]}: not removed: none`));
  assert.match(r.out, new RegExp(`check-org ${run_[1]}: Opportunity ${opp.Id} NextStep restored`));
  for (const n of ['update_field changes', 'puts the old value back', 'add_note adds a note', 'clean-up']) assert.match(r.out, new RegExp(`^ok \\d+ - run ${run_[1]}: .*${n}`, 'm'), n);
  // The org: the value back, the history of both writes, nothing left.
  const now = (await sim.records('Opportunity')).find((o) => o.Id === opp.Id);
  assert.equal(now.NextStep, opp.NextStep);
  const h = (await sim.control('GET', `history?object=Opportunity&id=${opp.Id}`)).json.filter((x) => x.field === 'NextStep');
  assert.deepEqual(h.map((x) => [x.old, x.new]), [[opp.NextStep, `check-org ${run_[1]}`], [`check-org ${run_[1]}`, opp.NextStep]]);
  assert.equal((await sim.records('Cleanup_Audit__c')).length, before.audits, 'no audit row left');
  assert.equal((await sim.records('ContentNote')).length, before.notes, 'no note left');
  assert.equal((await sim.records('ContentDocumentLink')).length, before.links, 'no link left');
  // What the harness sent: its DELETEs, and the writes through the server's composites.
  const log = await sim.log();
  const deletes = log.filter((e) => e.method === 'DELETE').map((e) => e.path.replace(/^\/services\/data\/v[\d.]+\/sobjects\//, '').replace(/\/.*/, ''));
  assert.deepEqual(deletes.sort(), ['Cleanup_Audit__c', 'Cleanup_Audit__c', 'Cleanup_Audit__c', 'ContentNote']);
});

test('the write round trip on an empty field (Description, null): put back to null', async () => {
  const opp = (await sim.records('Opportunity')).find((o) => !o.IsClosed && o.Description === null);
  assert.ok(opp, 'an open opportunity without a Description');
  await sim.control('DELETE', 'history');
  const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, SFDC_ORG_WRITE_RECORD: opp.Id.slice(0, 15), SFDC_ORG_WRITE_FIELD: 'description' }));
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^# fail 0$/m, r.out);
  assert.match(r.out, /not removed: none/);
  assert.equal((await sim.records('Opportunity')).find((o) => o.Id === opp.Id).Description, null);
  const h = (await sim.control('GET', `history?object=Opportunity&id=${opp.Id}`)).json;
  const runOf = (v) => (v === null ? null : v.replace(/^check-org co[0-9a-z]+$/, 'check-org RUN'));
  assert.deepEqual(h.map((x) => [x.field, runOf(x.old), runOf(x.new)]), [['Description', null, 'check-org RUN'], ['Description', 'check-org RUN', null]]);
});

test('an audit row the org will not delete is reported, not hidden', async () => {
  const opp = (await sim.records('Opportunity')).find((o) => !o.IsClosed && o.NextStep);
  // An org that does not let the user delete audit rows (a sensible
  // setting): the simulator answers the audit object's DELETEs 403.
  await sim.control('POST', 'faults', { match: { method: 'DELETE', path_prefix: '/services/data/v60.0/sobjects/Cleanup_Audit__c/' }, count: 3, action: { status: 403, errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id' } });
  try {
    const r = await run(org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, SFDC_ORG_WRITE_RECORD: opp.Id, SFDC_ORG_WRITE_FIELD: 'NextStep' }));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /check-org co[0-9a-z]+: removed 1: ContentNote 069/);
    assert.match(r.out, /not removed: Cleanup_Audit__c a\w+ \(HTTP 403 INSUFFICIENT_ACCESS_OR_READONLY insufficient access rights on object id\); Cleanup_Audit__c/);
  } finally {
    await sim.control('DELETE', 'faults');
  }
});

test('the write round trip is refused on a production org, nothing written; allowed with SFDC_ORG_ALLOW_PRODUCTION=1', async () => {
  const opp = (await sim.records('Opportunity')).find((o) => !o.IsClosed && o.NextStep);
  const rows0 = (await sim.records('Cleanup_Audit__c')).length;
  await sim.control('DELETE', 'history');
  try {
    await setOrg({ is_sandbox: false, org_type: 'Enterprise Edition' });
    const env = org({ SFDC_ORG_ACCESS_TOKEN: sim.access_token, SFDC_ORG_WRITE_RECORD: opp.Id, SFDC_ORG_WRITE_FIELD: 'NextStep' });
    let r = await run(env);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /refusing .*"Enterprise Edition".*SFDC_ORG_ALLOW_PRODUCTION=1/);
    assert.equal(r.out, '', 'no test ran');
    // The write file on its own (without the runner's gate) refuses too.
    r = await new Promise((resolve) => {
      const p = spawn(process.execPath, ['--test', '--test-reporter=tap', join(srcdir, 'tests', 'org', 'write.test.mjs')],
        { env: { PATH: process.env.PATH, ...(process.env.SFREVOPS_BIN ? { SFREVOPS_BIN: process.env.SFREVOPS_BIN } : {}), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout.on('data', (d) => { out += d; });
      p.on('exit', (code) => resolve({ code, out }));
    });
    assert.notEqual(r.code, 0, r.out);
    assert.match(r.out, /refusing .*Enterprise Edition/);
    assert.equal((await sim.records('Cleanup_Audit__c')).length, rows0, 'no audit row written');
    assert.deepEqual((await sim.control('GET', 'history')).json, [], 'no field changed');
    r = await run({ ...env, SFDC_ORG_ALLOW_PRODUCTION: '1' });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /not removed: none/);
  } finally {
    await setOrg({ is_sandbox: false, org_type: 'Developer Edition' });
  }
});
