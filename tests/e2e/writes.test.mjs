// The two light writes end to end (issue 10, contrib/WRITES.md): through
// the MCP SDK client, a server with SFDC_CONFIRM_WRITES=never and a client
// without elicitation (tests/e2e/elicit.test.mjs asks people), against the
// simulator.  What Salesforce ends up holding is read from the simulator
// (records, the per-field change log, the request log with each
// composite's subrequests); the journal from its file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSim, simEnv, connectSdk, simFetch, composites, simPost, callWrite, journalLines, journalFinal, blake2bHex,
} from './lib.mjs';

let sim;
let main;
let jdir;
let journal;
const opened = [];
const done = []; // {attempt, status} of every call main made that was not a dry run
const sentBodies = []; // every composite body the simulator received, across clearLog()

/** Clear the simulator's log, keeping the composite bodies for the journal's hashes. */
async function clearLog() {
  for (const e of composites(await sim.log())) sentBodies.push(e.body);
  await sim.clearLog();
}

const ORG = { field_overrides: { 'Opportunity.LeadSource': { restricted: true } }, readonly_field: true };
const ATTEMPT = /^w_[0-9a-f]{24}$/;
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

async function server(extra = {}) {
  return connectSdk(simEnv(sim, { SFDC_CONFIRM_WRITES: 'never', ...extra }), opened);
}

/** The tool's description once the writer has said whether writes are on. */
async function description(client, name, wantUnavailable) {
  const end = Date.now() + 15000;
  let d = '';
  while (Date.now() < end) {
    const t = (await client.listTools()).tools.find((x) => x.name === name);
    assert.ok(t, `${name} is listed`);
    d = t.description || '';
    if (/^Unavailable/.test(d) === wantUnavailable) return { tool: t, description: d };
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${name}: ${wantUnavailable ? 'never unavailable' : 'still unavailable'}: ${d}`);
}

const records = (o) => sim.records(o);
const record = async (o, id) => (await records(o)).find((r) => r.Id === id);
const audits = () => records('Cleanup_Audit__c');
const auditsOf = async (attempt) => (await audits()).filter((a) => (a.Performed_By__c || '').includes(attempt) || a.Attempt_Id__c === attempt);
const nComposites = async () => composites(await sim.log()).length;
const history = async (id) => (await sim.control('GET', `history?id=${id}`)).json;
const opps = async () => (await records('Opportunity')).filter((o) => !o.IsClosed);
let oppIndex = 0;
/** A fresh open opportunity for each test, so that none sees another's changes. */
const nextOpp = async () => (await opps())[10 + oppIndex++];

async function write(name, args, client = main.client) {
  const r = await callWrite(client, name, args);
  if (client === main.client && r.out && r.out.attempt_id && !args.dry_run) done.push({ attempt: r.out.attempt_id, status: r.out.status });
  return r;
}

before(async () => {
  sim = await startSim(['--opportunities', '200']);
  await simPost(sim, 'org', ORG);
  jdir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  journal = join(jdir, 'state', 'journal.jsonl');
  main = await server({ SFDC_JOURNAL: journal });
  await description(main.client, 'update_field', false);
  await description(main.client, 'add_note', false);
});

after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
  if (jdir) rmSync(jdir, { recursive: true, force: true });
});

test('the test BLAKE2b-256 is BLAKE2b-256 (RFC 7693)', () => {
  assert.equal(blake2bHex(''), '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8');
  assert.equal(blake2bHex('abc', 64), 'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923');
});

test('the write tools: annotations as the issue asks', async () => {
  const { tool: u } = await description(main.client, 'update_field', false);
  const { tool: n } = await description(main.client, 'add_note', false);
  assert.equal(u.annotations.readOnlyHint, false);
  assert.equal(u.annotations.destructiveHint, true);
  assert.equal(n.annotations.readOnlyHint, false);
  assert.equal(n.annotations.destructiveHint, false);
});

test('update_field: the field changes, one audit row with every field, one composite (allOrNone, not collated, audit first)', async () => {
  const o = await nextOpp();
  await clearLog();
  const justification = 'Next step agreed on the call with the buyer';
  const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'Send the revised quote', justification });
  assert.equal(r.isError, false, r.text);
  assert.equal(r.out.status, 'applied', r.text);
  assert.match(r.out.attempt_id, ATTEMPT);
  assert.equal(r.out.old_value, o.NextStep);
  assert.equal(r.out.new_value, 'Send the revised quote');
  assert.match(r.out.audit_id, /^a0X/);
  assert.equal((await record('Opportunity', o.Id)).NextStep, 'Send the revised quote');
  const h = (await history(o.Id)).filter((x) => x.field === 'NextStep');
  assert.deepEqual(h.map((x) => [x.old, x.new]), [[o.NextStep, 'Send the revised quote']]);

  const rows = await auditsOf(r.out.attempt_id);
  assert.equal(rows.length, 1);
  const a = rows[0];
  assert.equal(a.Id, r.out.audit_id);
  assert.equal(a.Object_Name__c, 'Opportunity');
  assert.equal(a.Record_Id__c, o.Id);
  assert.equal(a.Field_Name__c, 'NextStep');
  assert.equal(a.Old_Value__c || null, o.NextStep || null);
  assert.equal(a.New_Value__c, 'Send the revised quote');
  assert.equal(a.Justification__c, justification);
  assert.match(a.Performed_By__c, /e2e/, 'the MCP client (clientInfo)');
  assert.match(a.Performed_By__c, new RegExp(`${sim.username.replace(/[.]/g, '\\.')}|Integration User|${sim.user_id}`), 'the Salesforce user');
  assert.match(a.Performed_By__c, new RegExp(r.out.attempt_id), 'the attempt id (the org has no Attempt_Id__c)');
  assert.equal(a.Failed__c, false);
  assert.match(a.CreatedDate, /^\d{4}-\d{2}-\d{2}T/);

  const cs = composites(await sim.log());
  assert.equal(cs.length, 1);
  const body = JSON.parse(cs[0].body);
  assert.equal(body.allOrNone, true);
  assert.equal(body.collateSubrequests, false);
  assert.equal(body.compositeRequest.length, 2);
  const [s1, s2] = body.compositeRequest;
  assert.equal(s1.method, 'POST');
  assert.match(s1.url, /^\/services\/data\/v\d+\.\d+\/sobjects\/Cleanup_Audit__c$/);
  assert.equal(s2.method, 'PATCH');
  assert.match(s2.url, new RegExp(`^/services/data/v\\d+\\.\\d+/sobjects/Opportunity/${o.Id}$`));
  assert.deepEqual(s2.body, { NextStep: 'Send the revised quote' });
  assert.match(s2.httpHeaders['If-Unmodified-Since'], HTTP_DATE);
  assert.deepEqual(cs[0].composite.order, [s1.referenceId, s2.referenceId], 'run in order, the audit row first');
  assert.equal(cs[0].status, 200);
});

test('refusals before any request: the simulator sees no composite', async () => {
  const o = await nextOpp();
  const ev = (await records('Event'))[0];
  const base = { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'x', justification: 'A good enough reason' };
  const cases = [
    ['justification of 9 characters after trimming', { justification: '   123456789 \t ' }, /justification/i],
    ['justification missing', { justification: undefined }, /justification/i],
    ['object not allowed', { object_type: 'Event', object_id: ev.Id }, /Event|object/i],
    ['id of another object', { object_id: ev.Id }, /prefix|ID|Opportunity/i],
    ['OwnerId excluded', { field_name: 'OwnerId', new_value: sim.user_id }, /OwnerId/],
    ['StageName excluded', { field_name: 'StageName', new_value: 'Closed Won' }, /StageName/],
    ['not updateable (calculated)', { field_name: 'ExpectedRevenue', new_value: 5 }, /ExpectedRevenue/],
    ['not updateable (read-only custom field)', { field_name: 'Legacy_Code__c', new_value: 'L-1' }, /Legacy_Code__c/],
    ['no such field', { field_name: 'No_Such__c' }, /No_Such__c/],
    ['bad restricted picklist value', { field_name: 'LeadSource', new_value: 'Carrier Pigeon' }, /LeadSource|picklist|Carrier Pigeon/i],
    ['bad date', { field_name: 'CloseDate', new_value: '2026-02-30' }, /CloseDate|date/i],
    ['not a date', { field_name: 'CloseDate', new_value: 'next Tuesday' }, /CloseDate|date/i],
    ['number past precision', { field_name: 'Probability', new_value: 1000 }, /Probability|precision|digits/i],
    ['text past its length', { new_value: 'x'.repeat(256) }, /NextStep|255|long|length/i],
    ['empty string', { new_value: '' }, /empty|null/i],
  ];
  for (const [what, extra, re] of cases) {
    const before = await nComposites();
    const args = { ...base, ...extra };
    for (const k of Object.keys(args)) if (args[k] === undefined) delete args[k];
    const r = await write('update_field', args);
    assert.equal(r.isError, true, `${what}: ${r.text}`);
    assert.match(r.text, re, what);
    assert.equal(await nComposites(), before, `${what}: no composite`);
  }
  assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep);
  // The boundary: 10 characters after trimming pass (a dry run sends nothing).
  const ok = await write('update_field', { ...base, justification: '  1234567890  ', dry_run: true });
  assert.equal(ok.isError, false, ok.text);
  assert.equal(ok.out.status, 'dry_run');
  // add_note: an empty body, an object not allowed.
  for (const [what, args] of [['empty body', { object_type: 'Opportunity', object_id: o.Id, body: '' }],
    ['object not allowed', { object_type: 'Event', object_id: ev.Id, body: 'hello' }]]) {
    const before = await nComposites();
    const r = await write('add_note', args);
    assert.equal(r.isError, true, `${what}: ${r.text}`);
    assert.equal(await nComposites(), before, what);
  }
});

test('dry_run of both: the exact composite payload, and nothing sent', async () => {
  const o = await nextOpp();
  const acc = (await records('Account'))[5];
  await clearLog();
  const args = { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'Dry run value', justification: 'Checking the payload first' };
  const d = await write('update_field', { ...args, dry_run: true });
  assert.equal(d.isError, false, d.text);
  assert.equal(d.out.status, 'dry_run');
  assert.equal(d.out.dry_run, true);
  const p = d.out.payload;
  assert.equal(p.allOrNone, true);
  assert.equal(p.collateSubrequests, false);
  assert.equal(p.compositeRequest[0].method, 'POST');
  assert.match(p.compositeRequest[0].url, /\/sobjects\/Cleanup_Audit__c$/);
  assert.deepEqual(p.compositeRequest[1].body, { NextStep: 'Dry run value' });
  const nd = await write('add_note', { object_type: 'Account', object_id: acc.Id, body: 'Dry note\nsecond line', dry_run: true });
  assert.equal(nd.isError, false, nd.text);
  assert.equal(nd.out.status, 'dry_run');
  const np = nd.out.payload;
  assert.equal(np.allOrNone, true);
  assert.deepEqual(np.compositeRequest.map((s) => s.method), ['POST', 'POST', 'POST']);
  assert.match(np.compositeRequest[0].url, /\/sobjects\/ContentNote$/);
  assert.match(np.compositeRequest[1].url, /\/sobjects\/ContentDocumentLink$/);
  assert.match(np.compositeRequest[2].url, /\/sobjects\/Cleanup_Audit__c$/);
  assert.equal(composites(await sim.log()).length, 0, 'a dry run sends nothing');
  assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep);

  // The same call for real sends that payload (but for its attempt id).
  const r = await write('update_field', args);
  assert.equal(r.out.status, 'applied', r.text);
  const sent = JSON.parse(composites(await sim.log())[0].body);
  const norm = (x) => JSON.parse(JSON.stringify(x).replace(/w_[0-9a-f]{24}/g, 'w_ATTEMPT'));
  assert.deepEqual(norm(sent), norm(p));
});

test('a validation rule refuses the update: nothing changes, a Failed__c row with the error', async () => {
  const o = await nextOpp();
  await simPost(sim, 'org', { validation_rules: [{ object: 'Opportunity', field: 'NextStep', contains: 'forbidden', message: 'Next Step must not say forbidden.' }] });
  try {
    await clearLog();
    const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'a forbidden step', justification: 'Trying a value the org refuses' });
    assert.equal(r.out.status, 'refused', r.text);
    assert.equal(r.out.error.code, 'FIELD_CUSTOM_VALIDATION_EXCEPTION');
    assert.match(r.out.error.message, /Next Step must not say forbidden\./);
    assert.match(r.text, /Next Step must not say forbidden\./);
    assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep);
    assert.equal((await history(o.Id)).length, 0);
    const rows = await auditsOf(r.out.attempt_id);
    assert.equal(rows.length, 1, 'only the failed-attempt row');
    assert.equal(rows[0].Failed__c, true);
    assert.equal(rows[0].Id, r.out.failed_audit_id);
    assert.match(rows[0].Justification__c, /Failed: FIELD_CUSTOM_VALIDATION_EXCEPTION: Next Step must not say forbidden\./);
    assert.equal(rows[0].New_Value__c, 'a forbidden step');
    assert.equal(composites(await sim.log()).filter((e) => e.composite && e.composite.rolled_back).length, 1);
  } finally {
    await simPost(sim, 'org', { validation_rules: [] });
  }
});

test('a record changed between the read and the commit: 412, rolled back, a Failed__c row', async () => {
  const o = await nextOpp();
  await clearLog();
  // Hold the composite long enough to change the record in a later second.
  await simPost(sim, 'faults', { match: { method: 'POST', path_prefix: '/services/data/' }, count: 1, action: { delay_ms: 2500 } });
  const pending = write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'lost update', justification: 'Racing a concurrent edit' });
  let held;
  for (const end = Date.now() + 10000; !held && Date.now() < end;) {
    held = composites(await sim.log())[0];
    if (!held) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(held, 'the composite arrived');
  const sec = Math.floor(Date.parse(held.ts) / 1000);
  while (Math.floor(Date.now() / 1000) <= sec) await new Promise((r) => setTimeout(r, 20));
  const edit = await simFetch(sim, 'PATCH', `/services/data/v60.0/sobjects/Opportunity/${o.Id}`, { Description: 'edited by someone else' }, { Authorization: `Bearer ${sim.access_token}` });
  assert.equal(edit.status, 204, edit.body);
  const r = await pending;
  assert.equal(r.out.status, 'refused', r.text);
  assert.equal(r.out.error.code, 'PRECONDITION_FAILED');
  const rec = await record('Opportunity', o.Id);
  assert.equal(rec.NextStep, o.NextStep);
  assert.equal(rec.Description, 'edited by someone else');
  const cs = composites(await sim.log());
  assert.equal(cs[0].composite.subrequests[1].status, 412);
  assert.equal(cs[0].composite.rolled_back, true);
  const rows = await auditsOf(r.out.attempt_id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].Failed__c, true);
  assert.match(rows[0].Justification__c, /PRECONDITION_FAILED/);
});

test('503 before the commit: retried, applied once', async () => {
  const o = await nextOpp();
  await clearLog();
  await simPost(sim, 'faults', { match: { method: 'POST', path_prefix: '/services/data/' }, count: 1, action: { status: 503 } });
  const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'after a 503', justification: 'The org was busy for a moment' });
  assert.equal(r.out.status, 'applied', r.text);
  const cs = composites(await sim.log());
  assert.equal(cs.length, 2);
  assert.equal(cs[0].status, 503);
  assert.equal(cs[1].status, 200);
  assert.equal(cs[0].body, cs[1].body, 'the same request again');
  assert.equal((await auditsOf(r.out.attempt_id)).length, 1);
  assert.deepEqual((await history(o.Id)).map((x) => x.new), ['after a 503']);
});

test('a reset after the commit: resolved by the attempt id lookup, not resent', async () => {
  const o = await nextOpp();
  await clearLog();
  await simPost(sim, 'faults', { match: { method: 'POST', path_prefix: '/services/data/' }, count: 1, action: { reset: 'after' } });
  const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'after a reset', justification: 'The answer was lost on the way' });
  assert.equal(r.out.status, 'applied', r.text);
  assert.equal(r.out.resolved_by, 'attempt-id lookup');
  const log = await sim.log();
  const cs = composites(log);
  assert.equal(cs.length, 1, 'exactly one composite: not resent');
  assert.equal(cs[0].fault, 'reset-after');
  const after = log.slice(log.indexOf(cs[0]) + 1);
  assert.ok(after.some((e) => (e.soql || e.body || '').includes(r.out.attempt_id)), 'the audit object was searched for the attempt id');
  assert.equal((await auditsOf(r.out.attempt_id)).length, 1);
  assert.deepEqual((await history(o.Id)).map((x) => x.new), ['after a reset']);

  // A reset before the request was processed: the lookup finds nothing, nothing is resent.
  const o2 = await nextOpp();
  await clearLog();
  await simPost(sim, 'faults', { match: { method: 'POST', path_prefix: '/services/data/' }, count: 1, action: { reset: 'before' } });
  const r2 = await write('update_field', { object_type: 'Opportunity', object_id: o2.Id, field_name: 'NextStep', new_value: 'never arrived', justification: 'The connection broke first' });
  assert.equal(r2.out.status, 'not_applied', r2.text);
  assert.equal(r2.out.resolved_by, 'attempt-id lookup');
  assert.equal(composites(await sim.log()).length, 1);
  assert.equal((await auditsOf(r2.out.attempt_id)).length, 0);
  assert.equal((await record('Opportunity', o2.Id)).NextStep, o2.NextStep);
});

test('add_note: a ContentNote of the HTML-escaped text, its link, its audit row naming the note', async () => {
  const acc = (await records('Account'))[7];
  await clearLog();
  const body = 'Renewal call: <b>price</b> & "terms"\nSecond line <script>x()</script>';
  const r = await write('add_note', { object_type: 'Account', object_id: acc.Id, body });
  assert.equal(r.out.status, 'applied', r.text);
  assert.match(r.out.note_id, /^069/);
  assert.match(r.out.link_id, /^06A/);
  const note = await record('ContentNote', r.out.note_id);
  const html = Buffer.from(note.Content, 'base64').toString('utf8');
  // Quotes may be escaped or not (both are HTML-safe in text).
  assert.match(html, /Renewal call: &lt;b&gt;price&lt;\/b&gt; &amp; (&quot;|&#34;|&#x22;|")terms(&quot;|&#34;|&#x22;|")/);
  assert.match(html, /Second line &lt;script&gt;x\(\)&lt;\/script&gt;/, 'escaped, so nothing was stripped');
  assert.match(note.TextPreview, /Renewal call: <b>price<\/b> & "terms"/);
  assert.match(note.Title, /^Renewal call/);
  assert.ok(!/Second line/.test(note.Title), 'the title is the first line');
  const links = (await records('ContentDocumentLink')).filter((l) => l.ContentDocumentId === r.out.note_id);
  assert.equal(links.length, 1);
  assert.equal(links[0].Id, r.out.link_id);
  assert.equal(links[0].LinkedEntityId, acc.Id);
  assert.equal(links[0].ShareType, 'I');
  assert.equal(links[0].Visibility, 'InternalUsers');
  const rows = await auditsOf(r.out.attempt_id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].Field_Name__c, 'ContentNote');
  assert.equal(rows[0].New_Value__c, r.out.note_id);
  assert.equal(rows[0].Object_Name__c, 'Account');
  assert.equal(rows[0].Record_Id__c, acc.Id);
  const cs = composites(await sim.log());
  assert.equal(cs.length, 1);
  const sent = JSON.parse(cs[0].body);
  assert.equal(sent.allOrNone, true);
  assert.equal(sent.collateSubrequests, false);
  assert.equal(sent.compositeRequest[1].body.ContentDocumentId, `@{${sent.compositeRequest[0].referenceId}.id}`);

  // A note the org refuses (a fault on its link): no note, no link, a Failed__c row.
  await simPost(sim, 'faults', { match: { subrequest: { method: 'POST', object: 'ContentDocumentLink' } }, count: 1, action: { error: 'fls', field: 'ShareType' } });
  const nNotes = (await records('ContentNote')).length;
  const f = await write('add_note', { object_type: 'Account', object_id: acc.Id, body: 'A note the org refuses' });
  assert.equal(f.out.status, 'refused', f.text);
  assert.equal(f.out.error.code, 'INVALID_FIELD_FOR_INSERT_UPDATE');
  assert.equal((await records('ContentNote')).length, nNotes);
  const fr = await auditsOf(f.out.attempt_id);
  assert.equal(fr.length, 1);
  assert.equal(fr[0].Failed__c, true);
});

test('the org has no Failed__c: the start-up log and the result say so, the journal keeps the attempt', async () => {
  await simPost(sim, 'org', { audit_failed: false, validation_rules: [{ object: 'Opportunity', field: 'NextStep', contains: 'forbidden', message: 'Not that.' }] });
  const dir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  try {
    const file = join(dir, 'j.jsonl');
    const c = await server({ SFDC_JOURNAL: file });
    await description(c.client, 'update_field', false);
    const o = await nextOpp();
    const n0 = (await audits()).length;
    const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'forbidden again', justification: 'An org without the Failed flag' }, c.client);
    assert.equal(r.out.status, 'refused', r.text);
    assert.match(r.text + JSON.stringify(r.out), /Failed__c/, 'the result says the org has no Failed__c');
    assert.equal((await audits()).length, n0, 'no row: it could not be told from a success');
    assert.equal((await record('Opportunity', o.Id)).NextStep, o.NextStep);
    assert.match(c.stderr, /Failed__c/);
    const fin = journalFinal(journalLines(file)).get(r.out.attempt_id);
    assert.ok(fin, 'the attempt is in the journal');
    assert.equal(fin.event, 'refused');
    await c.client.close();
  } finally {
    await simPost(sim, 'org', { audit_failed: true, validation_rules: [] });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the audit object is missing: both write tools unavailable with the reason, calls refused, nothing sent', async () => {
  await simPost(sim, 'org', { audit_object: false });
  const dir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  try {
    const c = await server({ SFDC_JOURNAL: join(dir, 'j.jsonl') });
    const { description: du } = await description(c.client, 'update_field', true);
    const { description: dn } = await description(c.client, 'add_note', true);
    assert.match(du, /Cleanup_Audit__c/);
    assert.match(dn, /Cleanup_Audit__c/);
    const o = await nextOpp();
    await clearLog();
    const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'x', justification: 'No audit object in this org' }, c.client);
    assert.equal(r.isError, true, r.text);
    assert.match(r.text, /Cleanup_Audit__c/);
    const n = await write('add_note', { object_type: 'Opportunity', object_id: o.Id, body: 'hello' }, c.client);
    assert.equal(n.isError, true, n.text);
    const log = await sim.log();
    assert.equal(composites(log).length, 0);
    assert.equal(log.filter((e) => e.method !== 'GET').length, 0, 'no mutation of any kind');
    // The read tools go on.
    const q = await c.client.callTool({ name: 'get_opportunity', arguments: { opp_id: o.Id } });
    assert.notEqual(q.isError, true, JSON.stringify(q.content));
    assert.ok((await sim.log()).some((e) => e.method === 'GET' && e.path.includes(o.Id) || (e.soql || '').includes(o.Id)), 'the read reached the org');
    await c.client.close();
  } finally {
    await simPost(sim, 'org', { audit_object: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an org with Attempt_Id__c and Error__c: the attempt and the error in their own fields, the lookup by Attempt_Id__c', async () => {
  await simPost(sim, 'org', { audit_attempt_id: true, audit_error: true, validation_rules: [{ object: 'Opportunity', field: 'NextStep', contains: 'forbidden', message: 'Not that one.' }] });
  const dir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  try {
    const c = await server({ SFDC_JOURNAL: join(dir, 'j.jsonl') });
    await description(c.client, 'update_field', false);
    const o = await nextOpp();
    const ok = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'with attempt field', justification: 'An org with every audit field' }, c.client);
    assert.equal(ok.out.status, 'applied', ok.text);
    let rows = (await audits()).filter((a) => a.Attempt_Id__c === ok.out.attempt_id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].Justification__c, 'An org with every audit field');
    assert.equal(rows[0].Error__c, null);

    const bad = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'forbidden here', justification: 'The rule will refuse this one' }, c.client);
    assert.equal(bad.out.status, 'refused', bad.text);
    rows = (await audits()).filter((a) => a.Attempt_Id__c === bad.out.attempt_id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].Failed__c, true);
    assert.match(rows[0].Error__c, /FIELD_CUSTOM_VALIDATION_EXCEPTION/);
    assert.match(rows[0].Error__c, /Not that one\./);
    assert.equal(rows[0].Justification__c, 'The rule will refuse this one', 'the error is in Error__c, not appended');

    await clearLog();
    await simPost(sim, 'faults', { match: { method: 'POST', path_prefix: '/services/data/' }, count: 1, action: { reset: 'after' } });
    const lost = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'answer lost', justification: 'A reset after the commit again' }, c.client);
    assert.equal(lost.out.status, 'applied', lost.text);
    assert.equal(lost.out.resolved_by, 'attempt-id lookup');
    const log = await sim.log();
    assert.equal(composites(log).length, 1);
    assert.ok(log.some((e) => /Attempt_Id__c/.test(e.soql || e.body || '') && (e.soql || e.body || '').includes(lost.out.attempt_id)), 'looked up by Attempt_Id__c');
    await c.client.close();
  } finally {
    await simPost(sim, 'org', { audit_attempt_id: false, audit_error: false, validation_rules: [] });
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a journal that cannot be used disables the writes with the reason; reads go on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfrevops-journal-'));
  try {
    chmodSync(dir, 0o777);
    for (const [what, file] of [['a world-writable directory', join(dir, 'j.jsonl')], ['none', 'none']]) {
      const c = await server({ SFDC_JOURNAL: file });
      const { description: d } = await description(c.client, 'update_field', true);
      assert.match(d, /journal|SFDC_JOURNAL/i, what);
      const o = await nextOpp();
      await clearLog();
      const r = await write('update_field', { object_type: 'Opportunity', object_id: o.Id, field_name: 'NextStep', new_value: 'x', justification: 'No journal, no write' }, c.client);
      assert.equal(r.isError, true, `${what}: ${r.text}`);
      assert.equal(composites(await sim.log()).length, 0, what);
      const q = await c.client.callTool({ name: 'get_opportunity', arguments: { opp_id: o.Id } });
      assert.notEqual(q.isError, true, `${what}: ${JSON.stringify(q.content)}`);
      await c.client.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the journal: JSON lines, every attempt, hashes of the bodies sent, final events that agree with the results', async () => {
  const lines = journalLines(journal);
  assert.ok(lines.length > 0);
  const EVENTS = new Set(['planned', 'sent', 'applied', 'refused', 'failed_audit', 'unknown', 'resolved_applied', 'resolved_not_applied', 'declined', 'cancelled']);
  for (const l of lines) {
    assert.match(l.attempt, ATTEMPT);
    assert.ok(EVENTS.has(l.event), l.event);
    assert.ok(!Number.isNaN(Date.parse(l.ts)), l.ts);
    assert.ok(l.tool === 'update_field' || l.tool === 'add_note', l.tool);
  }
  const final = journalFinal(lines);
  // The hash of every composite Salesforce received (as sent, or as compact JSON).
  await clearLog();
  const hashes = new Set();
  for (const b of sentBodies) { hashes.add(blake2bHex(b)); hashes.add(blake2bHex(JSON.stringify(JSON.parse(b)))); }
  for (const { attempt, status } of done) {
    const f = final.get(attempt);
    assert.ok(f, `attempt ${attempt} (${status}) is in the journal`);
    const want = {
      applied: ['applied', 'resolved_applied'], refused: ['refused', 'failed_audit'], not_applied: ['resolved_not_applied'], unknown: ['unknown'],
    }[status];
    assert.ok(want && want.includes(f.event), `${attempt}: result ${status}, journal ${f.event}`);
    const ev = lines.filter((l) => l.attempt === attempt).map((l) => l.event);
    assert.ok(ev.indexOf('sent') >= 0 || status === 'refused', `${attempt}: sent before its outcome (${ev})`);
    if (ev.includes('sent')) assert.ok(ev.indexOf('sent') < ev.lastIndexOf(f.event), `${attempt}: ${ev}`);
    for (const sent of lines.filter((l) => l.attempt === attempt && l.event === 'sent')) {
      assert.match(sent.payload_hash, /^[0-9a-f]{64}$/);
      assert.ok(hashes.has(sent.payload_hash), `${attempt}: the journal's payload_hash is the BLAKE2b-256 of a body Salesforce received`);
    }
  }
});
