// Where a process's proportional memory goes: /proc/PID/smaps of each
// process of the tree, once started (the parent logged "ready"), summed
// by mapping (the file, or [heap], [stack], anonymous), largest first;
// Pss, Rss, the private pages and the anonymous ones, in KiB.  File
// pages shared with other processes count 1/n in each; anonymous pages
// and relocated data (Private_Dirty of a library) are the process's own.
//
//   node bench/pss_map.mjs [parent] [top]
//
// Needs root (the children are not dumpable).  A figure, not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { srcdir, spawnRaw, offlineEnv, initialize, descendants, waitFor } from '../tests/e2e/lib.mjs';

const bin = process.argv[2] || process.env.SFREVOPS_BIN || join(srcdir, 'build', 'plain', 'sfrevops-mcp');
const top = Number(process.argv[3] || 12);

function smaps(pid) {
  const by = new Map();
  let cur = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1] || '(anonymous)';
      if (!by.has(name)) by.set(name, { name, pss: 0, rss: 0, priv: 0, dirty: 0, anon: 0 });
      cur = by.get(name);
      continue;
    }
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (!m || !cur) continue;
    const v = Number(m[2]);
    if (m[1] === 'Pss') cur.pss += v;
    else if (m[1] === 'Rss') cur.rss += v;
    else if (m[1] === 'Private_Clean') cur.priv += v;
    else if (m[1] === 'Private_Dirty') { cur.priv += v; cur.dirty += v; }
    else if (m[1] === 'Anonymous') cur.anon += v;
  }
  return [...by.values()].sort((a, b) => b.pss - a.pss);
}

const s = spawnRaw(offlineEnv(), bin);
const out = {};
try {
  await initialize(s);
  s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  await s.next();
  if (!await waitFor(() => /"msg":"ready: front, broker/.test(s.stderr), 5000)) throw new Error('not ready: ' + s.stderr);
  const kids = descendants(s.proc.pid).filter((k) => / -R /.test(k.cmd));
  for (const [role, pid] of [['parent', s.proc.pid], ...kids.map((k) => [k.cmd.split(' ').at(-1), k.pid])]) {
    const rows = smaps(pid);
    const sum = rows.reduce((a, r) => ({ pss: a.pss + r.pss, rss: a.rss + r.rss, priv: a.priv + r.priv, dirty: a.dirty + r.dirty, anon: a.anon + r.anon }), { pss: 0, rss: 0, priv: 0, dirty: 0, anon: 0 });
    out[role] = { sum, rows };
    console.log(`${role} (pid ${pid}): Pss ${sum.pss} KiB, Rss ${sum.rss}, private ${sum.priv} (dirty ${sum.dirty}), anonymous ${sum.anon}; ${rows.length} mappings`);
    console.log('  | mapping | Pss | Rss | private | private dirty | anonymous |');
    for (const r of rows.slice(0, top)) console.log(`  | ${r.name.replace(/^.*\//, '')} | ${r.pss} | ${r.rss} | ${r.priv} | ${r.dirty} | ${r.anon} |`);
  }
} finally {
  await s.close();
}
console.log(JSON.stringify({ bench: 'pss_map', ...Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { ...v.sum, rows: v.rows.slice(0, top) }])) }));
