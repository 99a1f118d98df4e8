// Where the bytes of tools/list go: per tool, the JSON bytes of each of
// its members (name, title, description, inputSchema, outputSchema,
// annotations, _meta, others), against the whole JSON-RPC line.
//
//   node bench/tools_list.mjs [parent] [baseline-parent]
//
// Prints a table per build and one JSON line.  A figure, not a test.
import { join } from 'node:path';
import { srcdir, spawnRaw, offlineEnv, initialize } from '../tests/e2e/lib.mjs';

const bins = [process.argv[2] || process.env.SFREVOPS_BIN || join(srcdir, 'build', 'plain', 'sfrevops-mcp')];
if (process.argv[3]) bins.push(process.argv[3]);
const KEYS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations', '_meta'];

async function measure(bin) {
  const s = spawnRaw(offlineEnv(), bin);
  try {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    await s.next();
    const line = s.lines.at(-1);
    const tools = JSON.parse(line).result.tools;
    const rows = tools.map((t) => {
      const row = { tool: t.name, total: Buffer.byteLength(JSON.stringify(t)) };
      let other = row.total;
      for (const k of KEYS) {
        row[k] = k in t ? Buffer.byteLength(JSON.stringify(t[k])) + k.length + 3 : 0;
        other -= row[k];
      }
      row.other = other;
      return row;
    });
    return { bin, line_bytes: Buffer.byteLength(line) + 1, rows };
  } finally {
    await s.close();
  }
}

const out = [];
for (const bin of bins) {
  const m = await measure(bin);
  out.push(m);
  console.log(`${bin}: tools/list line ${m.line_bytes} bytes, ${m.rows.length} tools`);
  const cols = ['tool', 'total', ...KEYS, 'other'];
  console.log('| ' + cols.join(' | ') + ' |');
  const sum = Object.fromEntries(cols.map((c) => [c, 0]));
  sum.tool = 'all';
  for (const r of m.rows) {
    console.log('| ' + cols.map((c) => r[c]).join(' | ') + ' |');
    for (const c of cols.slice(1)) sum[c] += r[c];
  }
  console.log('| ' + cols.map((c) => sum[c]).join(' | ') + ' |');
}
console.log(JSON.stringify({ bench: 'tools_list', builds: out }));
