// The demo: start the Salesforce simulator, start sfrevops-mcp through the
// official MCP SDK client exactly as Claude Desktop would (stdio), and ask
// it what a RevOps analyst asks.  Prints what the model would see, one
// screen per step: long tables are cut to their first rows and a line
// saying how many more the model received.
//
//   node tests/demo.mjs [path/to/sfrevops-mcp]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startSim, simEnv, BIN } from './e2e/lib.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = process.argv[2] || BIN;
const SHOWN = 12;		// table rows shown per step
const sim = await startSim();
const state = mkdtempSync(join(tmpdir(), 'sfrevops-demo-'));
// The server's JSON log lines go to stderr; keep them for a failure.
const env = { ...simEnv(sim), SFDC_JOURNAL: join(state, 'journal.jsonl'), SFDC_CONFIRM_WRITES: 'never' };
const transport = new StdioClientTransport({ command: bin, args: [], env, stderr: 'pipe' });
let serverLog = '';
transport.stderr.on('data', (d) => { serverLog += d; });
const client = new Client({ name: 'sfrevops-demo', version: '1.0.0' });
let failed = false;

/* A text block, its table cut after SHOWN rows ("... and N more"). */
function trimmed(text) {
  const lines = text.split('\n');
  const out = [];
  let rows = 0;
  let hidden = 0;
  let inTable = false;
  for (const line of lines) {
    const tabular = line.includes('\t');
    if (tabular && !inTable) { inTable = true; rows = -1; }	// its header
    if (!tabular) inTable = false;
    if (inTable && !/^total\t/.test(line) && ++rows > SHOWN) { hidden++; continue; }
    if (!inTable && hidden > 0) { out.push(`... and ${hidden} more rows`); hidden = 0; }
    out.push(line);
  }
  if (hidden > 0) out.push(`... and ${hidden} more rows`);
  return out.join('\n');
}

function show(title, res, { expectError = false } = {}) {
  console.log(`\n=== ${title}${res.isError ? '  (tool error)' : ''}`);
  for (const b of res.content) if (b.type === 'text') console.log(trimmed(b.text));
  if (!!res.isError !== expectError) failed = true;
  return res;
}

try {
  await client.connect(transport);
  const v = client.getServerVersion();
  console.log(`connected to ${v.name} ${v.version} over stdio; simulator at ${sim.url}`);
  const { tools } = await client.listTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);

  // The simulator's org is generated around its own "today".
  const [y, m] = sim.today.split('-').map(Number);
  const qEndMonth = Math.ceil(m / 3) * 3;
  const quarterEnd = new Date(Date.UTC(y, qEndMonth, 0)).toISOString().slice(0, 10);
  const calls = [
    ['What is in the pipeline for the next 90 days?', 'pipeline_by_stage', { close_date_window_days: 90 }],
    [`Which commit deals are at risk before the quarter ends (${quarterEnd})?`, 'at_risk_commits', { quarter_end_date: quarterEnd }],
    ['Which deals have been stuck in their stage for more than 60 days?', 'stale_opps', { days_in_stage_threshold: 60 }],
    ['Ten biggest open deals closing this quarter (SOQL through the guard)', 'query', { soql: 'SELECT Name, Account.Name, StageName, Amount, CloseDate, Owner.Name FROM Opportunity WHERE IsClosed = false AND CloseDate = THIS_QUARTER ORDER BY Amount DESC LIMIT 10' }],
  ];
  for (const [title, name, args] of calls) show(title, await client.callTool({ name, arguments: args }));
  const first = await client.callTool({ name: 'query', arguments: { soql: "SELECT Id, NextStep FROM Opportunity WHERE StageName = 'Commit' LIMIT 1" } });
  const oppId = first.structuredContent?.rows?.[0]?.[0];
  if (!oppId) failed = true;
  show(`get_opportunity ${oppId}`, await client.callTool({ name: 'get_opportunity', arguments: { opp_id: oppId } }));
  show('A write disguised as a query is refused before anything is sent',
    await client.callTool({ name: 'query', arguments: { soql: "SELECT Id FROM Account; DELETE FROM Account" } }), { expectError: true });
  show('dry_run shows the exact request and sends nothing',
    await client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Lead WHERE Status = \'Open - Not Contacted\'', dry_run: true } }));

  // The two audited writes (when this build has them).
  if (tools.some((t) => t.name === 'update_field')) {
    const upd = { object_type: 'Opportunity', object_id: oppId, field_name: 'NextStep', new_value: 'Exec sponsor call booked for Thursday' };
    show('dry_run of update_field: the exact composite request (audit row first), nothing sent',
      await client.callTool({ name: 'update_field', arguments: { ...upd, justification: 'Pipeline review 2026-12: next step was stale', dry_run: true } }));
    show('A justification of fewer than 10 characters is refused before any request',
      await client.callTool({ name: 'update_field', arguments: { ...upd, justification: 'cleanup' } }), { expectError: true });
    const done = show('update_field with its justification: the audit row and the change in one transaction',
      await client.callTool({ name: 'update_field', arguments: { ...upd, justification: 'Pipeline review 2026-12: next step was stale' } }));
    const auditId = done.structuredContent?.audit_id;
    if (auditId) {
      show(`The audit row ${auditId}, read back from the org`, await client.callTool({ name: 'query', arguments: {
        soql: `SELECT Name, Object_Name__c, Record_Id__c, Field_Name__c, Old_Value__c, New_Value__c, Performed_By__c, CreatedDate FROM Cleanup_Audit__c WHERE Id = '${auditId}'` } }));
    } else failed = true;
    show('add_note: a ContentNote linked to the deal, audited like every write',
      await client.callTool({ name: 'add_note', arguments: { object_type: 'Opportunity', object_id: oppId, body: 'Call with the buyer: budget confirmed, legal review starts Monday.\nRisk: procurement wants a 3-year term.' } }));
  }
  await client.close().catch(() => {});
  // The operator's side, against the same org and journal.
  for (const [title, args] of [
    ['sfrevops-mcp check: the configuration against the org', ['check']],
    ['sfrevops-mcp audit-report: the journal against the org\'s audit rows', ['audit-report', '--since', '1']],
  ]) {
    const r = spawnSync(bin, args, { env, encoding: 'utf8', timeout: 60000 });
    console.log(`\n=== ${title} (exit ${r.status})`);
    console.log(trimmed((r.stdout || '') + (r.stderr || '')).trimEnd());
    if (r.status !== 0) failed = true;
    // check ran the writer's checks too, against the demo's journal.
    if (args[0] === 'check' && !['journal', 'writer', 'writable_fields'].every((n) => new RegExp(`^ok   ${n}: `, 'm').test(r.stdout || ''))) {
      console.error('check: the journal, writer or writable_fields line is not ok');
      failed = true;
    }
  }
} catch (e) {
  console.error('demo failed:', e.message);
  failed = true;
} finally {
  await client.close().catch(() => {});
  await sim.stop();
  rmSync(state, { recursive: true, force: true });
}
if (failed) process.stderr.write('server log:\n' + serverLog);
process.exit(failed ? 1 : 0);
