// What one query costs the model: 200 opportunities x 10 fields through
// sfrevops-mcp, against what the same rows cost in the shapes other
// Salesforce MCP servers use (../shared/docs/landscape.md), all computed
// in this run from the same Salesforce answer.  Also the call latency
// (median of N) and the resident memory of the four processes.
//
//   node bench/output_size.mjs [path/to/sfrevops-mcp] [runs]
//
// Prints a table and one JSON line (for CI logs and later comparison).
import { readFileSync } from 'node:fs';
import { Client } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js';
import { StdioClientTransport } from '../tests/node_modules/@modelcontextprotocol/sdk/dist/esm/client/stdio.js';
import { startSim, simEnv, simFetch, descendants, BIN } from '../tests/e2e/lib.mjs';

const bin = process.argv[2] || BIN;
const runs = Number(process.argv[3] || 15);
const SOQL = 'SELECT Id, Name, StageName, Amount, CloseDate, Probability, ForecastCategoryName, Owner.Name, Account.Name, LastActivityDate FROM Opportunity LIMIT 200';

function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// The baselines' shapes, from the raw REST answer.
function flatten(rec, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(rec)) {
    if (k === 'attributes') continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, `${prefix}${k}.`, out);
    else out[prefix + k] = v;
  }
  return out;
}
const prettyJson = (raw) => JSON.stringify(raw, null, 2);                     // DX run_soql_query
const recordText = (raw) => raw.records.map((r, i) => `Record ${i + 1}:\n` +  // TSMZ query_records
  Object.entries(flatten(r)).map(([k, v]) => `    ${k}: ${v === null ? 'null' : v}`).join('\n')).join('\n\n');
const csv = (raw) => {                                                       // PY's default
  const rows = raw.records.map((r) => flatten(r));
  const cols = Object.keys(rows[0]);
  const cell = (v) => (v === null || v === undefined ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n');
};

const sim = await startSim();
const transport = new StdioClientTransport({ command: bin, args: [], env: simEnv(sim), stderr: 'ignore' });
const client = new Client({ name: 'bench', version: '1' });
try {
  await client.connect(transport);
  let res;
  let wireBytes = 0;
  const onmsg = transport.onmessage;
  transport.onmessage = (m) => { if (m.id !== undefined && m.result?.content) wireBytes = JSON.stringify(m).length + 1; onmsg(m); };
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    res = await client.callTool({ name: 'query', arguments: { soql: SOQL } });
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.isError) throw new Error(res.content[0].text);
  }
  ms.sort((a, b) => a - b);
  const text = res.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
  const ours = text.length;
  // What CSV has no counterpart of: the org line and the count line
  // (with their newlines); the rest is the table, header row included.
  const lines = text.split('\n');
  const orgLine = lines[0].startsWith('Org: ') ? lines[0].length + 1 : 0;
  const headLine = lines[orgLine ? 1 : 0].length + 1;
  const table = ours - orgLine - headLine;
  const tree = [transport.pid, ...descendants(transport.pid).map((k) => k.pid)];
  const rss = tree.reduce((s, p) => s + rssKiB(p), 0);

  const raw = (await simFetch(sim, 'GET', `/services/data/v60.0/query?q=${encodeURIComponent(SOQL)}`, undefined,
    { Authorization: 'Bearer ' + sim.access_token })).json;
  const t0 = process.hrtime.bigint();
  await simFetch(sim, 'GET', `/services/data/v60.0/query?q=${encodeURIComponent(SOQL)}`, undefined, { Authorization: 'Bearer ' + sim.access_token });
  const direct = Number(process.hrtime.bigint() - t0) / 1e6;
  const base = { pretty_json: prettyJson(raw).length, record_text: recordText(raw).length, csv: csv(raw).length };

  console.log(`200 opportunities x 10 fields (sfsim seed 1), ${runs} runs`);
  console.log('text handed to the model:');
  console.log(`  sfrevops-mcp (columns + rows)  ${String(ours).padStart(8)} chars (org line ${orgLine}, count line ${headLine}, table ${table})`);
  console.log(`  CSV, flattened (PY style)      ${String(base.csv).padStart(8)} chars  (ours / this = ${(ours / base.csv).toFixed(3)})`);
  console.log(`  "Record N:" text (TSMZ style)  ${String(base.record_text).padStart(8)} chars  (${(base.record_text / ours).toFixed(2)}x ours)`);
  console.log(`  pretty JSON (DX style)         ${String(base.pretty_json).padStart(8)} chars  (${(base.pretty_json / ours).toFixed(2)}x ours)`);
  console.log(`JSON-RPC line: ${wireBytes} bytes (text plus structuredContent)`);
  console.log(`call latency: median ${ms[ms.length >> 1].toFixed(1)} ms, min ${ms[0].toFixed(1)} ms; one direct HTTPS GET to the simulator ${direct.toFixed(1)} ms`);
  console.log(`resident memory of the 4 processes: ${(rss / 1024).toFixed(1)} MiB`);
  console.log(JSON.stringify({ bench: 'output_size', ours, org_line: orgLine, head_line: headLine, table, ...base, wire_bytes: wireBytes, median_ms: ms[ms.length >> 1], direct_ms: direct, rss_kib: rss }));
} finally {
  await client.close().catch(() => {});
  await sim.stop();
}
