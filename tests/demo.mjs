// The demo: start the Salesforce simulator, start sfrevops-mcp through the
// official MCP SDK client exactly as Claude Desktop would (stdio), and ask
// it what a RevOps analyst asks.  Prints what the model would see.
//
//   node tests/demo.mjs [path/to/sfrevops-mcp]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { startSim, simEnv, BIN } from './e2e/lib.mjs';

const bin = process.argv[2] || BIN;
const sim = await startSim();
// The server's JSON log lines go to stderr; keep them for a failure.
const transport = new StdioClientTransport({ command: bin, args: [], env: simEnv(sim), stderr: 'pipe' });
let serverLog = '';
transport.stderr.on('data', (d) => { serverLog += d; });
const client = new Client({ name: 'sfrevops-demo', version: '1.0.0' });
let failed = false;

function show(title, res) {
  console.log(`\n=== ${title}${res.isError ? '  (tool error)' : ''}`);
  for (const b of res.content) if (b.type === 'text') console.log(b.text);
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
  for (const [title, name, args] of calls) {
    const r = await client.callTool({ name, arguments: args });
    show(title, r);
    if (r.isError) failed = true;
  }
  const first = await client.callTool({ name: 'query', arguments: { soql: "SELECT Id FROM Opportunity WHERE StageName = 'Commit' LIMIT 1" } });
  const oppId = first.structuredContent?.rows?.[0]?.[0];
  if (oppId) {
    const r = await client.callTool({ name: 'get_opportunity', arguments: { opp_id: oppId } });
    show(`get_opportunity ${oppId}`, r);
    if (r.isError) failed = true;
  }
  show('A write disguised as a query is refused before anything is sent',
    await client.callTool({ name: 'query', arguments: { soql: "SELECT Id FROM Account; DELETE FROM Account" } }));
  show('dry_run shows the exact request and sends nothing',
    await client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Lead WHERE Status = \'Open - Not Contacted\'', dry_run: true } }));
} catch (e) {
  console.error('demo failed:', e.message);
  failed = true;
} finally {
  await client.close().catch(() => {});
  await sim.stop();
}
if (failed) process.stderr.write('server log:\n' + serverLog);
process.exit(failed ? 1 : 0);
