// Hostile input over raw stdio: the corpus in tests/hostile/jsonrpc.json
// (strict RFC 8259, invalid UTF-8, \u0000 anywhere) and the generated
// tests/hostile/corpus.json (bad JSON, wrong types, odd ids, nesting,
// unknown methods, calls before initialize, batches under each protocol
// version, every tool's arguments missing, extra or mistyped), lines at and past
// MCP_MAX_LINE however the bytes arrive, and a \u0000 in a SOQL filter
// that must never reach the simulator.  After every refusal the server
// must still answer a ping.  Codes: -32700 for what is not RFC 8259
// JSON; \u0000 is JSON but refused, -32602 below params and -32600
// elsewhere, without an id when the id itself is affected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { srcdir, spawnRaw, offlineEnv, initialize, startSim, simEnv, dataCalls } from './lib.mjs';

const MAX_LINE = 4 * 1024 * 1024;	// MCP_MAX_LINE in src/sfrevops.h
const corpus = JSON.parse(readFileSync(join(srcdir, 'tests', 'hostile', 'jsonrpc.json'), 'utf8'));
// The generated part: node tests/hostile/gen.mjs BIN >tests/hostile/corpus.json
const generated = JSON.parse(readFileSync(join(srcdir, 'tests', 'hostile', 'corpus.json'), 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function withServer(fn, env = offlineEnv()) {
  const s = spawnRaw(env);
  try {
    await initialize(s);
    await fn(s);
  } finally {
    s.proc.stdin.end();
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
    const { code } = await s.exited;
    clearTimeout(t);
    assert.equal(code, 0, 'the server ended normally: ' + s.stderr.slice(-500));
  }
  for (const line of s.lines) assert.doesNotThrow(() => JSON.parse(line), 'stdout line is JSON: ' + line.slice(0, 80));
  return s;
}


/** A server notification (a method, no id): the front may send one at
 * any time (notifications/tools/list_changed when the writes become
 * available), and it answers nothing. */
const isNoteMsg = (m) => m !== null && typeof m === 'object' && !Array.isArray(m) && 'method' in m && !('id' in m);
const isNote = (line) => {
  try {
    return isNoteMsg(JSON.parse(line));
  } catch {
    return false;
  }
};
/** The next answer, past any server notification. */
async function answer(s, timeout = 10000) {
  for (;;) {
    const r = await s.next(timeout);
    if (!isNoteMsg(r)) return r;
  }
}
/** True when nothing but server notifications arrives within ms. */
async function quiet(s, ms = 300) {
  const before = s.lines.length;
  await sleep(ms);
  return s.lines.slice(before).every(isNote);
}

/** The corpus's server: offline, with a journal, so that the write
 * tools are available and their arguments are checked (without one
 * they answer "Unavailable" whatever the arguments). */
let journalDir;
function corpusEnv() {
  if (!journalDir) journalDir = mkdtempSync(join(tmpdir(), 'hostile-journal-'));
  return offlineEnv({ SFDC_JOURNAL: join(journalDir, 'journal.jsonl') });
}
after(() => { if (journalDir) rmSync(journalDir, { recursive: true, force: true }); });

let pings = 0;
async function alive(s, what) {
  const id = `alive-${++pings}`;
  s.send({ jsonrpc: '2.0', id, method: 'ping' });
  const r = await answer(s, 30000);
  assert.equal(r.id, id, `a ping is answered after ${what}: ${JSON.stringify(r).slice(0, 200)}`);
  assert.deepEqual(r.result, {});
}

/** A ping of exactly n bytes (before the newline), padded in params. */
function pingOf(n, id) {
  const head = `{"jsonrpc":"2.0","id":"${id}","method":"ping","params":{"pad":"`;
  const tail = '"}}';
  return head + 'a'.repeat(n - head.length - tail.length) + tail;
}

/** The bytes of a case's line, without the newline. */
function bytesOf(c) {
  if (c.pad !== undefined) return Buffer.from(pingOf(c.pad, 'pad'), 'utf8');
  return c.hex !== undefined ? Buffer.from(c.hex, 'hex') : Buffer.from(c.line, 'utf8');
}

/** One error or ping answer against what the case expects. */
function checkOne(r, c, shown) {
  if (c.result) {
    assert.deepEqual(r.result, {}, shown);
    if (c.id !== undefined) assert.equal(r.id, c.id, shown);
    return;
  }
  assert.equal(r.error?.code, c.code, shown);
  if (c.id === null) assert.equal('id' in r, false, shown);
  else assert.equal(r.id, c.id, shown);
}

/** Send one case and check its answer; then the server must answer a ping. */
async function runCase(s, c) {
  const bytes = bytesOf(c);
  assert.ok(!bytes.includes(0x0a), c.name + ': one line');
  const at = s.lines.length;
  s.proc.stdin.write(Buffer.concat([bytes, Buffer.from('\n')]));
  if (c.notification) {
    assert.ok(await quiet(s, 200), c.name + ': a notification is never answered');
    await alive(s, c.name);
    return;
  }
  const r = await answer(s, 30000);
  const shown = `${c.name}: ${JSON.stringify(r).slice(0, 300)}`;
  assert.ok(await quiet(s, 20), c.name + ': one answer');
  if (c.batch) {
    assert.ok(Array.isArray(r), shown);
    assert.equal(r.length, c.batch.length, shown);
    for (const want of c.batch) {
      const got = r.find((m) => (want.id === null ? !('id' in m) : m.id === want.id));
      assert.ok(got, `${shown}: an answer for ${want.id}`);
      checkOne(got, want, shown);
    }
  } else if (c.tool_valid) {
    assert.equal(r.id, c.id, shown);
    const text = r.result.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
    if (r.result.isError) {
      assert.match(text, /cannot reach Salesforce/, shown);
      assert.doesNotMatch(text, /argument|missing required|unknown /, shown);
    }
  } else if (c.tool_error !== undefined || c.tool_ok) {
    assert.equal(r.id, c.id, shown);
    assert.ok(r.result, shown);
    const text = r.result.content.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
    if (c.tool_ok) {
      assert.notEqual(r.result.isError, true, shown);
    } else {
      assert.equal(r.result.isError, true, shown);
      assert.ok(text.includes(c.tool_error), `${shown} names ${c.tool_error}`);
    }
  } else if (c.init) {
    assert.equal(r.result?.protocolVersion, c.init, shown);
  } else {
    checkOne(r, c, shown);
    if (c.raw_id !== undefined) {
      const raw = s.lines.slice(at).find((l) => !isNote(l)) ?? '';
      assert.ok(raw.includes(`"id":${c.raw_id},`), `${c.name}: the id as sent: ${raw.slice(0, 200)}`);
    }
    if (c.path !== undefined) {
      assert.ok(r.error.message.includes(c.path), `${shown} names ${c.path}`);
      assert.match(r.error.message, /\\u0000/, shown);
    }
    if (c.code === -32700) assert.match(r.error.message, /^Parse error: .* at byte \d+$/, shown);
  }
  await alive(s, c.name);
}

test('the corpus: each hostile line gets its answer, and the server keeps serving', async () => {
  const all = [...corpus, ...generated];
  assert.ok(all.length >= 300, `the corpus has at least 300 cases (${all.length})`);
  const names = new Set();
  for (const c of all) {
    assert.ok(!names.has(c.name), 'case names are unique: ' + c.name);
    names.add(c.name);
  }
  const sessions = new Map();
  for (const c of all) {
    const k = c.session || '2025-11-25';
    if (!sessions.has(k)) sessions.set(k, []);
    sessions.get(k).push(c);
  }
  // Every mismatch is listed, not only the first; a server that stops
  // answering ends the run at once.
  const failed = [];
  const tryCase = async (s, c) => {
    try {
      await runCase(s, c);
    } catch (e) {
      failed.push(`${c.name}: ${e.message.split('\n')[0]}`);
      // After a timeout the reader's queue is out of step: stop here.
      if (s.proc.exitCode !== null || s.proc.signalCode !== null ||
          /^no answer within/.test(e.message)) {
        assert.fail(`${failed.length} mismatches, the last one fatal:\n${failed.join('\n')}`);
      }
      await alive(s, 'the mismatch of ' + c.name);
    }
  };
  let ran = 0;
  for (const [version, cases] of sessions) {
    if (version === 'fresh') {
      // Each in a server of its own, before any initialize.
      for (const c of cases) {
        const s = spawnRaw(corpusEnv());
        try {
          await tryCase(s, c);
        } finally {
          s.proc.stdin.end();
          const t = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
          const { code } = await s.exited;
          clearTimeout(t);
          assert.equal(code, 0, c.name + ': the server ended normally: ' + s.stderr.slice(-500));
        }
        ran++;
      }
      continue;
    }
    const s = spawnRaw(corpusEnv());
    try {
      const init = await initialize(s, version);
      assert.equal(init.result?.protocolVersion, version);
      for (const c of cases) { await tryCase(s, c); ran++; }
    } finally {
      s.proc.stdin.end();
      const t = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
      const { code } = await s.exited;
      clearTimeout(t);
      assert.equal(code, 0, `the ${version} server ended normally: ` + s.stderr.slice(-500));
    }
  }
  assert.deepEqual(failed, [], `${failed.length} of ${all.length} cases were not answered as expected`);
  assert.equal(ran, all.length);
});

test('every listed tool has its cases in the generated corpus (tests/hostile/gen.mjs)', async () => {
  const s = spawnRaw(corpusEnv());
  try {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 'tl', method: 'tools/list' });
    const r = await answer(s);
    for (const t of r.result.tools) {
      assert.ok(generated.some((c) => c.name === `${t.name}: a valid dry run is served`),
        `${t.name} has no cases: run node tests/hostile/gen.mjs BIN >tests/hostile/corpus.json`);
      for (const p of Object.keys(t.inputSchema.properties || {}))
        assert.ok(generated.some((c) => c.name.startsWith(`${t.name}: ${p} as `)), `${t.name}.${p} has no wrong-type cases`);
    }
  } finally {
    s.proc.stdin.end();
    await s.exited;
  }
});

test('lines at MCP_MAX_LINE are served, longer ones refused, and the server lives', async () => {
  await withServer(async (s) => {
    s.send(pingOf(MAX_LINE, 'exact'));
    assert.deepEqual((await answer(s, 30000)).id, 'exact', 'exactly MCP_MAX_LINE bytes is a message');
    s.proc.stdin.write(pingOf(MAX_LINE - 1, 'exact-cr') + '\r\n');
    assert.equal((await answer(s, 30000)).id, 'exact-cr', 'MCP_MAX_LINE bytes with the CR');
    for (const extra of [1, 2, 65536, 5 * 1024 * 1024 - MAX_LINE]) {
      s.send(pingOf(MAX_LINE + extra, 'over-' + extra));
      const r = await answer(s, 30000);
      assert.equal(r.error?.code, -32600, `MCP_MAX_LINE + ${extra}: ${JSON.stringify(r).slice(0, 200)}`);
      assert.equal('id' in r, false);
      assert.match(r.error.message, /longer than 4194304 bytes/);
      assert.ok(await quiet(s, 100), 'one answer per long line');
      await alive(s, `a line of MCP_MAX_LINE + ${extra}`);
    }
  });
});

test('chunked writes: the newline and the limit wherever the reads split', async () => {
  await withServer(async (s) => {
    const w = async (text, pause = 30) => { s.proc.stdin.write(text); await sleep(pause); };
    // An exact-limit line in odd pieces, the newline on its own.
    let line = pingOf(MAX_LINE, 'pieces');
    for (let i = 0; i < line.length; i += 1234567) await w(line.slice(i, i + 1234567));
    await w('\n');
    assert.equal((await answer(s, 30000)).id, 'pieces');
    // One byte over, split so the kept part is exactly the limit and the
    // extra byte arrives with the newline and the next message.
    line = pingOf(MAX_LINE + 1, 'split');
    await w(line.slice(0, MAX_LINE));
    await w(line.slice(MAX_LINE) + '\n{"jsonrpc":"2.0","id":"next","method":"ping"}\n');
    let r = await answer(s, 30000);
    assert.equal(r.error?.code, -32600, JSON.stringify(r).slice(0, 200));
    assert.equal((await answer(s)).id, 'next', 'the message after it in the same write');
    // Over the limit by 64 KiB with the newline alone, a few ms later.
    line = pingOf(MAX_LINE + 65536, 'late-nl');
    await w(line.slice(0, 3000000));
    await w(line.slice(3000000));
    await w('\n');
    r = await answer(s, 30000);
    assert.equal(r.error?.code, -32600);
    assert.ok(await quiet(s, 100), 'one answer');
    // Byte by byte across a newline, and a message split inside a UTF-8
    // character and inside a \u escape.
    const two = '{"jsonrpc":"2.0","id":"b1","method":"ping"}\n{"jsonrpc":"2.0","id":"b2","method":"ping","params":{"v":"\u00e9\\u00e9"}}\n';
    const bytes = Buffer.from(two, 'utf8');
    for (let i = 0; i < bytes.length; i += 7) await w(bytes.subarray(i, i + 7), 2);
    assert.equal((await answer(s)).id, 'b1');
    assert.equal((await answer(s)).id, 'b2');
    // Many messages in one write.
    s.proc.stdin.write(Array.from({ length: 50 }, (_, i) => JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' })).join('\n') + '\n');
    for (let i = 0; i < 50; i++) assert.equal((await answer(s)).id, i);
    await alive(s, 'chunked writes');
  });
});

let sim;
before(async () => { sim = await startSim(); });
after(async () => { if (sim) await sim.stop(); });

test('a \\u0000 in a tool argument never reaches Salesforce', async () => {
  await withServer(async (s) => {
    const call = async (id, name, args) => {
      s.proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }) + '\n');
      return answer(s, 30000);
    };
    await sim.clearLog();
    const soql = "SELECT Id, Name FROM Account WHERE Name = 'Acme' AND Name = 'x'";
    const cut = soql.replace(" AND", "\u0000 AND");
    let r = await call('q1', 'query', { soql: cut });
    assert.equal(r.id, 'q1');
    assert.equal(r.error?.code, -32602, JSON.stringify(r));
    assert.match(r.error.message, /params\.arguments\.soql/);
    r = await call('q2', 'query\u0000x', { soql });
    assert.equal(r.error?.code, -32602);
    assert.match(r.error.message, /params\.name/);
    r = await call('q3', 'get_account', { id: '001B000001LnobC\u0000' });
    assert.equal(r.error?.code, -32602);
    assert.match(r.error.message, /params\.arguments\.id/);
    await alive(s, 'the refused calls');
    assert.deepEqual(dataCalls(await sim.log()), [], 'nothing reached the simulator');
    // The same query without the \u0000 does reach it, whole.
    r = await call('q4', 'query', { soql });
    assert.ok(r.result, JSON.stringify(r).slice(0, 300));
    const log = dataCalls(await sim.log());
    assert.equal(log.length, 1, JSON.stringify(log));
    assert.ok(log[0].soql.includes("AND Name = 'x'"), log[0].soql);
    assert.ok(!log[0].soql.includes('\u0000'));
  }, simEnv(sim));
});
