#!/usr/bin/env node
// The fault soak (issue 12): many mixed tool calls, the writes included,
// through the MCP SDK client while the simulator injects random faults
// and the client cancels some calls.  What must hold, and is checked:
//   - no crash: the same four processes serve from the first call to
//     the last, and a ping is answered at the end;
//   - no hang: every call is answered or cancelled within its deadline
//     (SFDC_CALL_TIMEOUT_MS) plus a slack;
//   - every call answered, no protocol error, and no more failed calls
//     than injected faults (one fault spoils at most one call);
//   - memory flat: the tree's Anonymous memory (heap, stacks, relocated
//     data: what a leak grows), sampled along the run, at the end within
//     10 % of its value after the warm-up.  PSS and USS are sampled and
//     reported beside it, not judged: both count file pages by who else
//     maps them now (PSS divides a shared page among its processes, USS
//     counts it only while nobody else maps it), so they move when other
//     processes on the machine start or stop: one run here, Anonymous
//     flat within 1 %, saw USS swing 7.5-9.4 MiB and PSS 9.8-12.3 MiB;
//   - every write accounted for against the org itself: the simulator's
//     records and per-field change log, the journal and the tool results
//     (tests/e2e/writecheck.mjs: zero field changes without their audit
//     row, zero audit rows claiming a change that did not happen, old and
//     new values as in the record's history and the journal's plan, one
//     Failed__c row for each refused attempt whose row the writer
//     confirmed, each ambiguous outcome as the writer resolved it, the
//     journal in agreement with both).
//
//   node bench/soak.mjs [--calls N] [--concurrency N] [--fault-rate F]
//                       [--cancel-rate F] [--write-share F] [--seed N]
//                       [--warmup N] [--json] [--results FILE]
// (SFREVOPS_BIN: the parent to run; default the source tree's.)  Prints
// a Markdown section (--json: one JSON object; --results FILE: the
// section also replaces the soak section of FILE, bench/results.md) and
// exits 1 when a check fails.  tests/e2e/soak.test.mjs runs a short soak
// of the same code in make check.
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BIN, startSim, connectSdk, descendants, textOf, journalLines } from '../tests/e2e/lib.mjs';
import { orgWrites, accountWrites, lateCommits, problemsOf } from '../tests/e2e/writecheck.mjs';
import sfsimData from '../tests/sfsim/lib/data.js';

/** The simulator's own mulberry32: a seed replays a run. */
const { rng } = sfsimData;

/** PSS, USS (private pages) and Anonymous in KiB of pid and its
 * descendants (root reads the children). */
export function treeMem(pid) {
  let pss = 0;
  let uss = 0;
  let anon = 0;
  const by = {};
  for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) {
    const t = readFileSync(`/proc/${p}/smaps_rollup`, 'utf8');
    const kib = (k) => {
      const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(t);
      if (!m) throw new Error(`no ${k} in /proc/${p}/smaps_rollup`);
      return Number(m[1]);
    };
    pss += kib('Pss');
    uss += kib('Private_Clean') + kib('Private_Dirty');
    anon += kib('Anonymous');
    const role = p === pid ? 'parent' : ((/-R (\w+)/.exec(readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ')) || [])[1] || String(p));
    by[role] = kib('Anonymous');
  }
  return { pss, uss, anon, anon_by: by };
}

const HTTP_TIMEOUT_MS = 1000;	// SFDC_HTTP_TIMEOUT_MS: the least allowed
const CALL_TIMEOUT_MS = 10000;	// SFDC_CALL_TIMEOUT_MS: each call's deadline
const SLACK_MS = 2000;		// past the deadline, a call is hung
const LATE_MS = HTTP_TIMEOUT_MS + 500;	// a delay past the deadline
const data = { path_prefix: '/services/data/' };

/* [name, how to inject]: the next data request (whichever call sends
 * it) gets the fault; the write faults wait for the next composite. */
const FAULTS = [
  ['503', { match: data, action: { status: 503, body: 'Service Unavailable', content_type: 'text/plain' } }],
  ['500 JSON error', { match: data, action: { status: 500, errorCode: 'UNKNOWN_EXCEPTION', message: 'An unexpected error occurred' } }],
  ['reset before processing', { match: data, action: { reset: 'before' } }],
  ['reset after processing', { match: data, action: { reset: 'after' } }],
  ['delay past the deadline (dropped)', { match: data, action: { delay_ms: LATE_MS } }],
  // Salesforce finishes a transaction whose client hung up: on a write,
  // the attempt-id lookup comes first and the commit after it.
  ['delay past the deadline (processed, a write)', { match: { method: 'POST', ...data }, action: { delay_ms: LATE_MS, after_close: 'process' } }],
  ['truncated body', { match: data, action: { truncate: true } }],
  ['malformed body', { match: data, action: { status: 200, body: '{"totalSize":1,"done":tru', content_type: 'application/json' } }],
  ['expired tokens (401, then a new one)', null],	// POST /__sim/expire-tokens
  ['validation rule on a write', { match: { subrequest: { method: 'PATCH' } }, action: { error: 'validation', message: 'The soak\'s rule says no.' } }],
  ['locked row on a write', { match: { subrequest: { method: 'PATCH' } }, action: { error: 'lock' } }],
];

const WRITE_FIELDS = { Opportunity: ['NextStep'], Account: ['BillingCity'] };

export async function soak(opts = {}) {
  const o = { calls: 10000, concurrency: 8, faultRate: 0.05, cancelRate: 0.02, writeShare: 0.2, seed: 12, warmup: undefined, samples: 40, log: () => {}, ...opts };
  const rand = rng(o.seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  // The log holds every request of the run: the late commits are read
  // from it at the end.
  const sim = await startSim(['--api-limit', '100000000', '--log-max', '1000000']);
  // The writes' journal: a file of the soak's own, never the user's.
  const jdir = mkdtempSync(join(tmpdir(), 'soak-journal-'));
  const journal = join(jdir, 'journal.jsonl');
  let c;
  const report = { calls: o.calls, concurrency: o.concurrency, seed: o.seed, fault_rate: o.faultRate, cancel_rate: o.cancelRate,
    answered: 0, ok: 0, tool_errors: 0, protocol_errors: 0, error_texts: {}, cancelled: 0, hung: 0,
    by_tool: {}, faults: {}, faults_total: 0, faults_unfired: 0, mem: [], max_ms: 0, failures: [] };
  try {
    const env = {
      PATH: process.env.PATH,
      SFDC_INSTANCE_URL: sim.instance_url || sim.url,
      SFDC_LOGIN_URL: sim.login_url || sim.url,
      SFDC_CA_FILE: sim.ca_file,
      // JWT bearer: an expired token is renewed, as in production.
      SFDC_CLIENT_ID: sim.client_id, SFDC_USERNAME: sim.username, SFDC_PRIVATE_KEY_FILE: sim.jwt_key_file,
      SFDC_FLS_MODE: 'security_enforced',
      SFDC_HTTP_TIMEOUT_MS: String(HTTP_TIMEOUT_MS),
      SFDC_CALL_TIMEOUT_MS: String(CALL_TIMEOUT_MS),
      // Requests an hour: the default (2,000) would be spent within
      // the soak; the budget has tests of its own (budget.test.mjs).
      SFDC_REQUEST_BUDGET: '1000000',
      SFDC_CONFIRM_WRITES: 'never',
      SFDC_JOURNAL: journal,
    };
    c = await connectSdk(env);
    const pid = c.transport.pid;
    const tree0 = descendants(pid).map((d) => d.pid).sort();
    // The writer validates the audit object at start-up: wait for it.
    let tools;
    for (let i = 0; i < 100; i++) {
      tools = (await c.client.listTools()).tools;
      const w = tools.filter((t) => ['add_note', 'update_field'].includes(t.name));
      if (w.length === 2 && w.every((t) => !/^Unavailable/.test(t.description || ''))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const writable = tools.filter((t) => ['add_note', 'update_field'].includes(t.name) && !/^Unavailable/.test(t.description || ''));
    if (writable.length !== 2) throw new Error(`the write tools are not available: ${tools.filter((t) => /note|update/.test(t.name)).map((t) => `${t.name}: ${t.description.slice(0, 120)}`).join('; ')}`);
    const names = new Set(tools.map((t) => t.name));
    const recs = async (obj) => (await sim.records(obj)).map((r) => r.Id);
    const ids = { Account: await recs('Account'), Opportunity: await recs('Opportunity'), Contact: await recs('Contact'), Lead: await recs('Lead') };
    const reads = [
      () => ({ name: 'get_account', arguments: { account_id: pick(ids.Account) } }),
      () => ({ name: 'get_opportunity', arguments: { opp_id: pick(ids.Opportunity) } }),
      () => ({ name: 'get_contact', arguments: { contact_id: pick(ids.Contact) } }),
      () => ({ name: 'get_lead', arguments: { lead_id: pick(ids.Lead) } }),
      () => ({ name: 'query', arguments: { soql: 'SELECT Id, Name, Amount FROM Opportunity WHERE Amount > 1000 LIMIT 20' } }),
      () => ({ name: 'pipeline_by_stage', arguments: {} }),
      () => ({ name: 'stale_opps', arguments: { days_in_stage_threshold: 30 } }),
      () => ({ name: 'at_risk_commits', arguments: { quarter_end_date: '2030-03-31' } }),
    ].filter((f) => names.has(f().name));
    // A write: update_field of one of WRITE_FIELDS, or add_note, each
    // value and title unique (the accounting finds a cancelled call's
    // attempt in the journal by it).  No two writes of the soak touch
    // the same record and field at once: If-Unmodified-Since has
    // one-second resolution (contrib/WRITES.md), so two in the same
    // second would both pass and one audit row's old value be stale --
    // a race of the client's own making, not a fault.
    const busy = new Set();
    const write = (i) => {
      const object = rand() < 0.6 ? 'Opportunity' : 'Account';
      const note = rand() < 0.3;
      const field = note ? null : pick(WRITE_FIELDS[object]);
      let id;
      for (let k = 0; k < 20 && (!id || busy.has(`${id}|${field}`)); k++) id = pick(ids[object]);
      if (busy.has(`${id}|${field}`)) return null;
      const tag = `soak ${o.seed}-${i}`;
      if (note) return { w: { tool: 'add_note', object, id, title: tag }, call: { name: 'add_note', arguments: { object_type: object, object_id: id, title: tag, body: `Fault soak note ${i}: <b>&</b>` } } };
      return { w: { tool: 'update_field', object, id, field, value: tag }, call: { name: 'update_field', arguments: { object_type: object, object_id: id, field_name: field, new_value: tag, justification: `fault soak, call ${i}` } } };
    };
    report.tools = [...reads.map((f) => f().name), 'update_field', 'add_note'];
    const writes = [];

    const inject = async () => {
      const [what, f] = pick(FAULTS);
      report.faults[what] = (report.faults[what] || 0) + 1;
      report.faults_total++;
      if (f === null) await sim.control('POST', 'expire-tokens', {});
      else {
        const r = await sim.control('POST', 'faults', { ...f, count: 1 });
        if (r.status !== 200) throw new Error(`POST /__sim/faults ${JSON.stringify(f)}: ${r.status} ${r.body}`);
      }
    };
    const tally = (tool, outcome) => {
      const t = report.by_tool[tool] || (report.by_tool[tool] = {});
      t[outcome] = (t[outcome] || 0) + 1;
    };

    let next = 0;
    const warm = o.warmup ?? Math.max(1, Math.floor(o.calls / 10));
    const every = Math.max(1, Math.floor((o.calls - warm) / o.samples));
    // Samples with calls in flight (reported: min, max) and two taken
    // quiet, after the warm-up and at the end, each once the calls in
    // flight and the requests they left behind have finished: those two
    // are compared, so that a leak shows and the buffers of the calls in
    // flight do not count for or against it.
    const sample = (after, quiet = false) => { const m = treeMem(pid); report.mem.push({ after, quiet, ...m }); };
    const settle = () => new Promise((r) => setTimeout(r, LATE_MS + 1000));
    const one = async () => {
      const i = next++;
      if (i > warm && (i - warm) % every === 0) sample(i);
      if (rand() < o.faultRate) await inject();
      let call;
      let w = null;
      if (rand() < o.writeShare) { const x = write(i); if (x) { call = x.call; w = { i, ...x.w, attempt: null, status: null }; } }
      if (!call) call = pick(reads)();
      const key = w ? `${w.id}|${w.field}` : null;
      if (key) busy.add(key);
      const ac = new AbortController();
      const cancel = rand() < o.cancelRate;
      if (cancel) setTimeout(() => ac.abort('soak: cancelled by the client'), Math.floor(rand() * 20));
      const limit = CALL_TIMEOUT_MS + SLACK_MS;
      let timer;
      let settled = true;	// the write's outcome is known to the client
      const t0 = Date.now();
      try {
        const r = await Promise.race([
          // The SDK's own timeout is out of the way: a hang is ours to see.
          c.client.callTool(call, undefined, { signal: ac.signal, timeout: limit + 60000 }),
          new Promise((_, rej) => { timer = setTimeout(() => rej(new Error('HANG')), limit); }),
        ]);
        report.max_ms = Math.max(report.max_ms, Date.now() - t0);
        report.answered++;
        const text = textOf(r);
        if (w) {
          let out = r.structuredContent || null;
          if (!out) { try { out = JSON.parse(text); } catch { /* text only */ } }
          w.attempt = out?.attempt_id || null;
          w.status = out?.status || null;
          w.text = text;
          settled = w.status === 'applied' || w.status === 'refused';
        }
        if (r.isError) {
          report.tool_errors++;
          tally(call.name, w?.status ? `tool error (${w.status})` : 'tool error');
          const k = text.replace(/[0-9a-zA-Z]{15,18}/g, 'ID').replace(/w_[0-9a-f]{24}/g, 'w_ID').replace(/\d+/g, 'N').slice(0, 90);
          report.error_texts[k] = (report.error_texts[k] || 0) + 1;
        } else {
          report.ok++;
          tally(call.name, w?.status ? `ok (${w.status})` : 'ok');
        }
      } catch (e) {
        settled = false;
        if (e.message === 'HANG') { report.hung++; tally(call.name, 'hung'); report.failures.push(`call ${i} ${call.name}: no answer in ${limit} ms`); }
        else if (ac.signal.aborted) { report.cancelled++; tally(call.name, 'cancelled'); }
        else { report.answered++; report.protocol_errors++; tally(call.name, 'protocol error'); if (report.failures.length < 20) report.failures.push(`call ${i} ${call.name}: ${e.message}`); }
      } finally {
        clearTimeout(timer);
      }
      if (w) writes.push(w);
      // A write whose outcome the client did not see may still be on its
      // way (the writer goes on to the call's deadline; a late commit
      // lands LATE_MS after the send): its record and field stay busy.
      if (key) { if (settled) busy.delete(key); else setTimeout(() => busy.delete(key), CALL_TIMEOUT_MS + LATE_MS); }
      if (i % 1000 === 999) o.log(`soak: ${i + 1} calls`);
    };
    const t0 = Date.now();
    const run = (upto) => Promise.all(Array.from({ length: o.concurrency }, async () => { while (next < upto) await one(); }));
    await run(warm);
    await settle();
    sample(warm, true);
    await run(o.calls);
    report.seconds = (Date.now() - t0) / 1000;
    report.faults_unfired = ((await sim.control('GET', 'faults')).json || []).length;
    await sim.control('DELETE', 'faults');
    // Settle: the cancelled calls' requests and the late commits finish.
    await settle();
    sample(o.calls, true);
    await c.client.ping();
    const tree1 = descendants(pid).map((d) => d.pid).sort();
    report.same_processes = tree1.length === tree0.length && tree1.every((p, k) => p === tree0[k]);
    const [first, last] = report.mem.filter((m) => m.quiet);
    const pct = (a, b) => Math.round(((b - a) / a) * 1000) / 10;
    for (const k of ['pss', 'uss', 'anon']) {
      report[`${k}_growth_pct`] = pct(first[k], last[k]);
      report[`${k}_max`] = Math.max(...report.mem.map((m) => m[k]));
      report[`${k}_min`] = Math.min(...report.mem.map((m) => m[k]));
    }
    const fail = report.failures;
    if (!report.same_processes) fail.push(`the process tree changed: ${tree0} -> ${tree1}: ${c.stderr.slice(-500)}`);
    if (report.hung) fail.push(`${report.hung} calls hung`);
    if (report.answered + report.cancelled !== o.calls) fail.push(`${o.calls - report.answered - report.cancelled} calls unaccounted for`);
    if (report.protocol_errors) fail.push(`${report.protocol_errors} calls got a protocol error`);
    // A call spoiled by a fault is a tool error; no more than one per
    // fault (an expired token costs a refresh, never a call).
    if (report.tool_errors > report.faults_total) fail.push(`${report.tool_errors} failed calls for ${report.faults_total} faults`);
    // ASan keeps freed memory in quarantine (up to 256 MiB) and its
    // shadow grows with it: the memory figure of such a build means
    // nothing, so it is reported and not judged.
    report.sanitizer_build = readFileSync(BIN).includes('__asan_init');
    if (!report.sanitizer_build) {
      if (report.anon_growth_pct > 10) fail.push(`Anonymous memory grew ${report.anon_growth_pct} % (${first.anon} -> ${last.anon} KiB)`);
    }

    // ------------------------------------------ every write accounted for
    const lines = journalLines(journal);
    report.journal_lines = lines.length;
    const org = await orgWrites(sim, { fields: WRITE_FIELDS });
    const log = await sim.log();
    const late = lateCommits(log);
    // The expired tokens: each 401 the server got, and the new tokens it
    // fetched (JWT bearer grants; the first is its start).
    report.http_401 = log.filter((e) => e.status === 401).length;
    report.token_grants = log.filter((e) => e.path === '/services/oauth2/token' && e.status === 200).length;
    report.processed_after_close = {};
    for (const e of log) if (e.processed_after_close !== undefined) report.processed_after_close[`${e.method} ${e.path.replace(/^\/services\/data\/v[\d.]+/, '')} ${e.processed_after_close}`] = (report.processed_after_close[`${e.method} ${e.path.replace(/^\/services\/data\/v[\d.]+/, '')} ${e.processed_after_close}`] || 0) + 1;
    const a = accountWrites({ org, journal: lines, calls: writes, late });
    report.writes = a.figures;
    report.write_calls = writes.length;
    report.write_status = {};
    for (const w of writes) report.write_status[w.status || 'no result'] = (report.write_status[w.status || 'no result'] || 0) + 1;
    const bad = problemsOf(a);
    if (Object.keys(bad).length) fail.push(`the writes do not add up: ${JSON.stringify(bad).slice(0, 4000)}`);
    // Each late commit: the writer said "not applied when looked up" and
    // that Salesforce may still finish it; the result must have said so.
    for (const w of writes) {
      if (w.attempt && late.has(w.attempt) && a.okByAttempt.has(w.attempt) && w.status === 'not_applied' && !/may still finish/.test(w.text || ''))
        fail.push(`call ${w.i}: a late commit whose result did not warn that Salesforce may still finish it: ${w.text}`);
    }
    if (writes.length && !lines.length) fail.push('writes were called and the journal is empty');
    report.ok_overall = fail.length === 0;
    return report;
  } finally {
    if (c) await c.client.close().catch(() => {});
    await sim.stop();
    rmSync(jdir, { recursive: true, force: true });
  }
}

const n = (x) => Number(x).toLocaleString('en-US');
const kibs = (r, k) => `${n(r.mem[0][k])} KiB after ${n(r.mem[0].after)} calls, ${n(r.mem.at(-1)[k])} after ${n(r.mem.at(-1).after)}, both with no call in flight: ${r[`${k}_growth_pct`] > 0 ? '+' : ''}${r[`${k}_growth_pct`]} %; min ${n(r[`${k}_min`])}, max ${n(r[`${k}_max`])} over all ${r.mem.length} samples`;

/** The section of bench/results.md, from a report. */
export function markdown(r) {
  const f = Object.entries(r.faults).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ');
  const w = r.writes || {};
  const tools = Object.entries(r.by_tool).sort((x, y) => x[0].localeCompare(y[0]))
    .map(([t, o]) => `| ${t} | ${Object.values(o).reduce((s, v) => s + v, 0)} | ${Object.entries(o).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  return [
    `## Fault soak (bench/soak.mjs)`,
    '',
    `${r.date ? `Run ${r.date}${r.commit ? ` at commit ${r.commit}` : ''}, standalone (\`node bench/soak.mjs --results bench/results.md\`). ` : ''}${n(r.calls)} mixed tool calls, ${r.concurrency} in flight, seed ${r.seed}: before ${r.fault_rate * 100} % of the calls the simulator is told to spoil the next data request (or composite), and ${r.cancel_rate * 100} % are cancelled by the client after 0-20 ms. HTTP timeout ${HTTP_TIMEOUT_MS} ms, call deadline ${CALL_TIMEOUT_MS} ms (+ ${SLACK_MS} ms slack).`,
    '',
    '| figure | value |',
    '|---|---|',
    `| time | ${r.seconds} s |`,
    `| answered | ${n(r.answered)} (ok ${n(r.ok)}, tool errors ${n(r.tool_errors)}, protocol errors ${r.protocol_errors}); cancelled by the client ${r.cancelled}; hung ${r.hung}; slowest answer ${n(r.max_ms)} ms |`,
    `| faults injected | ${r.faults_total} (${r.faults_unfired} never fired): ${f} |`,
    `| expired tokens seen | ${r.http_401} answers 401, ${r.token_grants} tokens fetched (JWT bearer; the first at start-up) |`,
    `| tool error texts (top 5) | ${Object.entries(r.error_texts).sort((x, y) => y[1] - x[1]).slice(0, 5).map(([k, v]) => `${v}: ${k.replace(/\|/g, '/').replace(/\n/g, ' ')}`).join('; ')} |`,
    `| write calls | ${n(r.write_calls)}: ${Object.entries(r.write_status).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    `| write attempts (journal) | ${n(w.attempts)}: applied ${w.applied}, applied and confirmed by the attempt-id lookup ${w.resolved_applied}, refused ${w.refused}, not applied by the lookup ${w.resolved_not_applied} (of which committed later by the org, the writer having said it may: ${w.late_commits}), lookup failed (unknown) ${w.unknown} (${w.unknown_applied} of them applied), not sent ${w.not_sent}, error before Salesforce saw it ${w.error}; calls that never reached an attempt ${w.calls_without_attempt} |`,
    `| the org | ${n(w.changes)} field changes, ${n(w.audit_rows)} audit rows (${n(w.notes)} notes), ${w.failed_rows} Failed__c rows (confirmed ${w.failed_rows_confirmed}; unconfirmed ${w.failed_rows_unconfirmed}, of them present ${w.failed_rows_unconfirmed_present}); journal ${n(r.journal_lines)} lines |`,
    `| refused attempts without their Failed__c row | ${w.failed_rows_unconfirmed - w.failed_rows_unconfirmed_present}: each one whose failed-attempt row lost its own answer and was not there when the writer looked it up by its attempt id (unconfirmed, never resent: see bench/README) |`,
    `| accounting | every change with its audit row, no row without its change, rows as the journal planned, results, journal and org in agreement: ${r.failures.some((x) => /do not add up/.test(x)) ? 'NO' : 'yes'} |`,
    `| Anonymous of the tree (judged) | ${kibs(r, 'anon')}${r.sanitizer_build ? ' (ASan build: not judged)' : ''} |`,
    `| USS of the tree (reported) | ${kibs(r, 'uss')} |`,
    `| PSS of the tree (reported) | ${kibs(r, 'pss')} |`,
    `| same four processes throughout | ${r.same_processes ? 'yes' : 'NO'} |`,
    `| verdict | ${r.ok_overall ? 'pass' : 'FAIL: ' + r.failures.join('; ').replace(/\|/g, '/')} |`,
    '',
    '| tool | calls | outcomes |',
    '|---|---|---|',
    ...tools,
  ].join('\n');
}

/** Replace (or append) the soak section of a bench/results.md. */
export function replaceSection(text, section) {
  const start = text.indexOf('## Fault soak');
  if (start === -1) return text.replace(/\n*$/, '\n\n') + section + '\n';
  const rest = text.slice(start + 1);
  const m = /\n## /.exec(rest);
  const end = m ? start + 1 + m.index + 1 : text.length;
  return text.slice(0, start) + section + '\n' + (m ? '\n' + text.slice(end) : '');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const a = process.argv.slice(2);
  const val = (k, d) => { const i = a.indexOf(k); return i === -1 ? d : Number(a[i + 1]); };
  if (process.getuid() !== 0) { console.error('bench/soak.mjs: run as root: the children\'s smaps_rollup is root\'s only'); process.exit(2); }
  const r = await soak({
    calls: val('--calls', 10000), concurrency: val('--concurrency', 8), faultRate: val('--fault-rate', 0.05),
    cancelRate: val('--cancel-rate', 0.02), writeShare: val('--write-share', 0.2), seed: val('--seed', 12),
    warmup: a.includes('--warmup') ? val('--warmup') : undefined,
    log: (m) => console.error(m),
  });
  if (a.includes('--results')) {
    r.date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const g = spawnSync('git', ['-C', new URL('..', import.meta.url).pathname, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    if (g.status === 0) r.commit = g.stdout.trim();
  }
  const md = markdown(r);
  console.log(a.includes('--json') ? JSON.stringify(r) : md);
  const i = a.indexOf('--results');
  if (i !== -1) {
    const file = a[i + 1];
    writeFileSync(file, replaceSection(existsSync(file) ? readFileSync(file, 'utf8') : '', md));
  }
  process.exit(r.ok_overall ? 0 : 1);
}
