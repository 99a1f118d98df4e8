// sfrevops-mcp audit-report against the simulator, through the real
// binary: writes made with `call` (SFDC_CONFIRM_WRITES=never, a temporary
// SFDC_JOURNAL), one refused by a validation rule (a composite subrequest
// fault); then the report: exit 0 and the failed attempt listed when the
// journal and the org agree; exit 1 and each disagreement named when the
// journal is edited (an attempt dropped, an applied attempt the org does
// not have) or the org is (an audit row deleted, a stray one created);
// --json with the same findings; usage and journal errors exit 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startSim, simEnv, simFetch, simPost, journalLines } from './lib.mjs';

let sim;
let jdir;
let journal;
const attempts = {}; // name -> attempt id
const OBJ = 'Cleanup_Audit__c';

function run(args, env, timeout = 60000) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${args.join(' ')}: no exit in ${timeout} ms; stderr: ${stderr}`)); }, timeout);
    p.once('exit', (code, signal) => { clearTimeout(t); resolve({ code, signal, stdout, stderr }); });
  });
}

const env = (extra = {}) => simEnv(sim, { SFDC_CONFIRM_WRITES: 'never', SFDC_JOURNAL: journal, ...extra });

/** One write through `call --json`; its structured result. */
async function write(tool, args) {
  const words = Object.entries(args).map(([k, v]) => (typeof v === 'string' && k !== 'new_value' ? `${k}=${v}` : `${k}:=${JSON.stringify(v)}`));
  // The writer says whether writes are on soon after start-up; until
  // then the tool says it is unavailable: asked again.
  for (let i = 0; i < 20; i++) {
    const r = await run(['call', tool, ...words, '--json'], env());
    const j = JSON.parse(r.stdout || r.stderr.replace(/^[^{]*/, '') || '{}');
    const sc = j.structuredContent;
    if (sc && sc.status) return sc;
    if (!/unavailable|not yet|starting/i.test(r.stdout + r.stderr)) assert.fail(`${tool}: ${r.stdout}${r.stderr}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail(`${tool}: never available`);
}

const report = (args = [], extra = {}) => run(['audit-report', ...args], env(extra));
const auditRows = async () => simFetch(sim, 'GET', `/services/data/v60.0/query?q=${encodeURIComponent(`SELECT Id, Performed_By__c, Failed__c FROM ${OBJ}`)}`, undefined, { Authorization: `Bearer ${sim.access_token}` });

before(async () => {
  sim = await startSim(['--opportunities', '60']);
  jdir = mkdtempSync(join(tmpdir(), 'sfrevops-audit-'));
  journal = join(jdir, 'journal.jsonl');
  const opps = (await sim.records('Opportunity')).filter((o) => !o.IsClosed);
  const accounts = await sim.records('Account');
  const just = 'Agreed with the account owner in the pipeline review';
  let out = await write('update_field', { object_type: 'Opportunity', object_id: opps[0].Id, field_name: 'NextStep', new_value: 'Send the quote', justification: just });
  assert.equal(out.status, 'applied', JSON.stringify(out));
  attempts.a1 = out.attempt_id;
  out = await write('update_field', { object_type: 'Opportunity', object_id: opps[1].Id, field_name: 'NextStep', new_value: 'Book the demo', justification: just });
  assert.equal(out.status, 'applied', JSON.stringify(out));
  attempts.a2 = out.attempt_id;
  out = await write('add_note', { object_type: 'Account', object_id: accounts[0].Id, body: 'Renewal call went well', title: 'Renewal' });
  assert.equal(out.status, 'applied', JSON.stringify(out));
  attempts.note = out.attempt_id;
  await simPost(sim, 'faults', { match: { subrequest: { field: 'NextStep' } }, count: 1, action: { error: 'validation', message: 'Next step needs a date.' } });
  out = await write('update_field', { object_type: 'Opportunity', object_id: opps[2].Id, field_name: 'NextStep', new_value: 'Later', justification: just });
  assert.equal(out.status, 'refused', JSON.stringify(out));
  attempts.refused = out.attempt_id;
});

after(async () => {
  if (sim) await sim.stop();
  if (jdir) rmSync(jdir, { recursive: true, force: true });
});

test('journal and org agree: exit 0, the refused attempt listed, the counts', async () => {
  const r = await report();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^Org: 127\.0\.0\.1 00DgK0000000001UAA$/);
  const failed = lines.filter((l) => l.startsWith('FAILED '));
  assert.equal(failed.length, 1, r.stdout);
  assert.match(failed[0], new RegExp(`^FAILED failed ${attempts.refused}: update_field Opportunity \\w+ NextStep was refused by the org: FIELD_CUSTOM_VALIDATION_EXCEPTION`));
  assert.equal(lines.filter((l) => l.startsWith('DISAGREE')).length, 0, r.stdout);
  assert.match(lines.at(-1), /^summary: last 7 days: 4 attempts: 3 applied, 1 refused, 0 declined\/cancelled, 0 unknown, 0 not applied, 0 planned only; 4 org rows; 0 disagreements$/);
});

test('--json: the same findings, parsed', async () => {
  const r = await report(['--json', '--since', '30']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.since_days, 30);
  assert.equal(j.org.organization_id, '00DgK0000000001UAA', JSON.stringify(j.org));
  assert.equal(j.status, 0);
  assert.equal(j.failed_field, true);
  assert.equal(j.truncated, false);
  assert.equal(j.org_rows, 4);
  assert.deepEqual(j.summary, { attempts: 4, applied: 3, refused: 1, declined_cancelled: 0, unknown: 0, not_applied: 0, planned_only: 0, failed: 1, disagreements: 0 });
  assert.deepEqual(j.findings.map((f) => [f.kind, f.attempt, f.disagreement]), [['failed', attempts.refused, false]]);
  assert.equal(j.findings[0].journal, 'refused');
  assert.equal(j.findings[0].org_failed_rows, 1);
  assert.match(j.findings[0].failed_audit_id, /^a0X/);
});

test('disagreements from an edited journal: a dropped attempt, an applied attempt the org lacks', async () => {
  const edited = join(jdir, 'edited.jsonl');
  const lines = journalLines(journal);
  const fake = 'w_' + '0123456789abcdef01234567';
  const kept = lines.filter((l) => l.attempt !== attempts.a1);
  assert.ok(kept.length < lines.length);
  const ts = new Date().toISOString();
  kept.push({ ts, attempt: fake, event: 'sent', tool: 'update_field', object: 'Opportunity', record: '006000000000001AAA', field: 'NextStep' });
  kept.push({ ts, attempt: fake, event: 'applied', audit_id: 'a0X000000000001AAA' });
  writeFileSync(edited, kept.map((l) => JSON.stringify(l)).join('\n') + '\n', { mode: 0o600 });
  const r = await report([], { SFDC_JOURNAL: edited });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const dis = r.stdout.split('\n').filter((l) => l.startsWith('DISAGREE'));
  assert.equal(dis.length, 2, r.stdout);
  assert.ok(dis.some((l) => l.startsWith(`DISAGREE row_not_in_journal ${attempts.a1}: the org has an audit row a0X`)), r.stdout);
  assert.ok(dis.some((l) => l.startsWith(`DISAGREE applied_without_row ${fake}: the journal says update_field Opportunity 006000000000001AAA NextStep was applied, but the org has no audit row for it; check `)), r.stdout);
  assert.match(r.stdout, /; 2 disagreements\n$/);
  const j = JSON.parse((await report(['--json'], { SFDC_JOURNAL: edited })).stdout);
  assert.equal(j.status, 1);
  assert.deepEqual(j.findings.filter((f) => f.disagreement).map((f) => [f.kind, f.attempt]).sort(),
    [['applied_without_row', fake], ['row_not_in_journal', attempts.a1]].sort());
});

test('an unknown outcome never resolved, and a torn last line: exit 1', async () => {
  const edited = join(jdir, 'unknown.jsonl');
  const u = 'w_' + 'fedcba9876543210fedcba98';
  const text = readFileSync(journal, 'utf8') + JSON.stringify({ ts: new Date().toISOString(), attempt: u, event: 'unknown', tool: 'update_field', object: 'Lead', record: '00Q000000000001AAA', field: 'Status' }) + '\n{"ts":"2026';
  writeFileSync(edited, text, { mode: 0o600 });
  const r = await report(['--json'], { SFDC_JOURNAL: edited });
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.summary.unknown, 1);
  assert.ok(j.findings.some((f) => f.kind === 'unknown_outcome' && f.attempt === u && !f.disagreement));
  assert.ok(j.findings.some((f) => f.kind === 'journal_unreadable' && /the last line has no new line/.test(f.message)));
});

test('disagreements made in the org: a deleted audit row, a stray one', async () => {
  const rows = (await auditRows()).json.records;
  const a2row = rows.find((x) => (x.Performed_By__c || '').includes(attempts.a2));
  assert.ok(a2row, 'the audit row of a2');
  const del = await simFetch(sim, 'DELETE', `/services/data/v60.0/sobjects/${OBJ}/${a2row.Id}`, undefined, { Authorization: `Bearer ${sim.access_token}` });
  assert.equal(del.status, 204, del.body);
  const stray = 'w_' + 'aaaaaaaaaaaaaaaaaaaaaaaa';
  const mk = await simFetch(sim, 'POST', `/services/data/v60.0/sobjects/${OBJ}`, {
    Object_Name__c: 'Opportunity', Record_Id__c: '006000000000002AAA', Field_Name__c: 'Amount', Old_Value__c: '1', New_Value__c: '2',
    Justification__c: 'by hand', Performed_By__c: `someone (via nothing) [attempt ${stray}]`, Failed__c: false,
  }, { Authorization: `Bearer ${sim.access_token}` });
  assert.equal(mk.status, 201, mk.body);
  const r = await report();
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const dis = r.stdout.split('\n').filter((l) => l.startsWith('DISAGREE'));
  assert.equal(dis.length, 2, r.stdout);
  assert.ok(dis.some((l) => l.startsWith(`DISAGREE applied_without_row ${attempts.a2}: the journal says update_field Opportunity `)), r.stdout);
  assert.ok(dis.some((l) => l.startsWith(`DISAGREE row_not_in_journal ${stray}: the org has an audit row ${mk.json.id} for update_field Opportunity 006000000000002AAA Amount`)), r.stdout);
  const j = JSON.parse((await report(['--json'])).stdout);
  assert.deepEqual(j.findings.map((f) => f.kind).sort(), ['applied_without_row', 'failed', 'row_not_in_journal']);
  assert.equal(j.summary.disagreements, 2);
  // The failed row deleted too: the refused attempt lacks it.
  const frow = rows.find((x) => x.Failed__c === true && (x.Performed_By__c || '').includes(attempts.refused));
  assert.ok(frow, 'the failed-attempt row');
  const d2 = await simFetch(sim, 'DELETE', `/services/data/v60.0/sobjects/${OBJ}/${frow.Id}`, undefined, { Authorization: `Bearer ${sim.access_token}` });
  assert.equal(d2.status, 204, d2.body);
  const j2 = JSON.parse((await report(['--json'])).stdout);
  assert.ok(j2.findings.some((f) => f.kind === 'refused_without_failed_row' && f.attempt === attempts.refused && f.disagreement));
  assert.equal(j2.summary.disagreements, 3);
});

test('usage: --since out of range, unknown options and arguments: exit 2, named', async () => {
  const cases = [
    [['--since', '0'], /--since takes a number of days from 1 to 3650, not '0'/],
    [['--since', '3651'], /--since takes a number of days from 1 to 3650, not '3651'/],
    [['--since=-1'], /not '-1'/],
    [['--since', '7x'], /not '7x'/],
    [['--since'], /--since needs a number of days/],
    [['--since', '3', '--since', '4'], /--since is given twice/],
    [['--bogus'], /audit-report: unknown option '--bogus'/],
    [['extra'], /audit-report: unknown argument 'extra'/],
  ];
  for (const [args, re] of cases) {
    const r = await report(args);
    assert.equal(r.code, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.match(r.stderr, /usage: sfrevops-mcp \[-f file\] audit-report \[--since DAYS\] \[--json\]/);
    assert.equal(r.stdout, '');
  }
  const ok = await report(['--since', '3650', '--json']);
  assert.equal(JSON.parse(ok.stdout).since_days, 3650);
});

test('the journal: missing, none, group-writable, a symbolic link: exit 2, a clear error', async () => {
  let r = await report([], { SFDC_JOURNAL: join(jdir, 'nope', 'journal.jsonl') });
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /audit-report: cannot read the journal \/\S+\/nope\/journal\.jsonl: No such file or directory/);
  r = await report([], { SFDC_JOURNAL: 'none' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /there is no journal to reconcile \(SFDC_JOURNAL=none/);
  const gw = join(jdir, 'gw.jsonl');
  writeFileSync(gw, readFileSync(journal));
  chmodSync(gw, 0o620);
  r = await report([], { SFDC_JOURNAL: gw });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is writable by its group or by others: refusing to trust it/);
  const { symlinkSync } = await import('node:fs');
  const ln = join(jdir, 'ln.jsonl');
  symlinkSync(journal, ln);
  r = await report([], { SFDC_JOURNAL: ln });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /it is a symbolic link/);
  // A configuration that withholds the query tool.
  r = await report([], { SFDC_TOOLS: 'pipeline_by_stage' });
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /audit-report: the query of the audit rows: Unknown tool: query \(the report reads the org's rows with the query tool: allow it in SFDC_TOOLS\)/);
  // Nothing was created where the journal was missing.
  assert.throws(() => readFileSync(join(jdir, 'nope', 'journal.jsonl')));
});

test('an org without Failed__c: the query falls back, the report says so', async () => {
  await simPost(sim, 'org', { audit_failed: false });
  try {
    const r = await report(['--json']);
    const j = JSON.parse(r.stdout);
    assert.equal(j.failed_field, false, r.stderr);
    // No refused_without_failed_row without the field to hold it.
    assert.ok(!j.findings.some((f) => f.kind === 'refused_without_failed_row'));
    assert.ok(j.findings.some((f) => f.kind === 'failed' && f.attempt === attempts.refused));
  } finally {
    await simPost(sim, 'org', { audit_failed: true });
  }
});

test('an org with Attempt_Id__c: the attempt is read from it (Performed_By__c then has none)', async () => {
  await simPost(sim, 'org', { audit_attempt_id: true });
  try {
    const before = JSON.parse((await report(['--json'])).stdout);
    assert.equal(before.attempt_id_field, true);
    const opp = (await sim.records('Opportunity')).filter((o) => !o.IsClosed)[5];
    const out = await write('update_field', { object_type: 'Opportunity', object_id: opp.Id, field_name: 'NextStep', new_value: 'Call back Monday', justification: 'The buyer asked for a call on Monday morning' });
    assert.equal(out.status, 'applied', JSON.stringify(out));
    const rows = (await sim.records(OBJ)).filter((x) => x.Attempt_Id__c === out.attempt_id);
    assert.equal(rows.length, 1);
    assert.ok(!rows[0].Performed_By__c.includes(out.attempt_id), rows[0].Performed_By__c);
    const j = JSON.parse((await report(['--json'])).stdout);
    assert.equal(j.summary.applied, before.summary.applied + 1);
    assert.equal(j.org_rows, before.org_rows + 1);
    assert.ok(!j.findings.some((f) => f.attempt === out.attempt_id), JSON.stringify(j.findings));
    assert.equal(j.summary.disagreements, before.summary.disagreements);
  } finally {
    await simPost(sim, 'org', { audit_attempt_id: false });
  }
});

/** A planned event of attempt id, padded with spaces to len bytes with its new line. */
function padded(id, len) {
  const base = JSON.stringify({ ts: new Date().toISOString(), attempt: id, event: 'planned', tool: 'update_field', object: 'Lead', record: '00Q000000000009AAA', field: 'Status' });
  return base.slice(0, -1) + ' '.repeat(len - base.length - 1) + '}\n';
}

test('a journal line: 66560 bytes with its new line is read, 66561 is not (and the next line is)', async () => {
  const f = join(jdir, 'long.jsonl');
  const a = 'w_' + 'b'.repeat(24), b = 'w_' + 'c'.repeat(24);
  const base = readFileSync(journal, 'utf8');
  writeFileSync(f, base + padded(a, 66560) + padded(b, 400), { mode: 0o600 });
  let j = JSON.parse((await report(['--json'], { SFDC_JOURNAL: f })).stdout);
  assert.equal(j.summary.planned_only, 2);
  assert.ok(!j.findings.some((x) => x.kind === 'journal_unreadable'), JSON.stringify(j.findings));
  writeFileSync(f, base + padded(a, 66561) + padded(b, 400), { mode: 0o600 });
  const r = await report(['--json'], { SFDC_JOURNAL: f });
  assert.equal(r.code, 1);
  j = JSON.parse(r.stdout);
  assert.equal(j.summary.planned_only, 1);
  const u = j.findings.find((x) => x.kind === 'journal_unreadable');
  const lineno = base.split('\n').length;
  assert.equal(u.message, `the journal has 1 line it cannot read (the first, line ${lineno}: longer than 66560 bytes with its new line)`);
});

test('the journal at SFDC_JOURNAL_MAX_MB is read, a byte more is refused', async () => {
  const f = join(jdir, 'big.jsonl');
  const base = readFileSync(journal, 'utf8');
  const fill = (total) => {
    let text = base;
    const id = 'w_' + 'd'.repeat(24);
    while (total - text.length > 60000 + 400) text += padded(id, 60000);
    const rest = total - text.length;
    return text + padded(id, rest - 300) + padded(id, 300);
  };
  writeFileSync(f, fill(1024 * 1024), { mode: 0o600 });
  let r = await report(['--json'], { SFDC_JOURNAL: f, SFDC_JOURNAL_MAX_MB: '1' });
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.equal(JSON.parse(r.stdout).summary.planned_only, 1);
  writeFileSync(f, fill(1024 * 1024 + 1), { mode: 0o600 });
  r = await report(['--json'], { SFDC_JOURNAL: f, SFDC_JOURNAL_MAX_MB: '1' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is larger than SFDC_JOURNAL_MAX_MB \(1 MiB\)/);
});

test('the org rows: 20000 are read, the 20001st cuts the report (said, exit 1)', { timeout: 240000 }, async () => {
  const auth = { Authorization: `Bearer ${sim.access_token}` };
  let have = (await report(['--json'])).stdout;
  have = JSON.parse(have).org_rows;
  const add = async (n) => {
    for (let i = 0; i < n; i += 200) {
      const records = [];
      for (let k = i; k < Math.min(n, i + 200); k++) {
        const id = 'w_' + (0x100000 + Math.floor(Math.random() * 0xefffff)).toString(16) + String(k).padStart(18, '0');
        records.push({ attributes: { type: OBJ }, Object_Name__c: 'Lead', Record_Id__c: '00Q000000000003AAA', Field_Name__c: 'Status', Old_Value__c: 'a', New_Value__c: 'b', Justification__c: 'bulk', Performed_By__c: `bulk [attempt ${id}]`, Failed__c: true });
      }
      const r = await simFetch(sim, 'POST', '/services/data/v60.0/composite/sobjects', { allOrNone: true, records }, auth);
      assert.equal(r.status, 200, r.body);
    }
  };
  await add(20000 - have);
  let r = await report(['--json']);
  let j = JSON.parse(r.stdout);
  assert.equal(j.org_rows, 20000);
  assert.equal(j.truncated, false);
  assert.equal(j.summary.failed, 20000 - have + 1);
  await add(1);
  r = await report(['--json']);
  assert.equal(r.code, 1);
  j = JSON.parse(r.stdout);
  assert.equal(j.org_rows, 20000);
  assert.equal(j.truncated, true);
  r = await report();
  assert.match(r.stdout, /\nCUT the org's rows stopped at 20000 \(the last created [^)]+\): the report is incomplete; use a smaller --since\nsummary: /);
});
