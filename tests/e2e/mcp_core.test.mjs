// The MCP core over raw stdio: lifecycle, version negotiation, ids,
// errors, hostile input, batches, logging, and the process tree's
// lifecycle.  No org is needed: no tool is called here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, spawnRaw, offlineEnv, initialize, descendants, alive, waitFor, waitTree } from './lib.mjs';

const LATEST = '2025-11-25';

async function withServer(fn, env = offlineEnv()) {
  const s = spawnRaw(env);
  try {
    await fn(s);
  } finally {
    s.proc.stdin.end();
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 3000);
    await s.exited;
    clearTimeout(t);
  }
  // Whatever happened, stdout carried JSON-RPC only.
  for (const line of s.lines) assert.doesNotThrow(() => JSON.parse(line), 'stdout line is JSON: ' + line.slice(0, 80));
  return s;
}

test('version negotiation echoes each supported version, counters unknown ones', async () => {
  for (const v of ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05']) {
    await withServer(async (s) => {
      const r = await initialize(s, v);
      assert.equal(r.result.protocolVersion, v);
      assert.equal(r.id, 0);
      assert.equal(r.result.serverInfo.name, 'sfrevops-mcp');
      assert.deepEqual(Object.keys(r.result.capabilities).sort(), ['logging', 'tools']);
    });
  }
  for (const v of ['1900-01-01', '2026-07-28', 'banana', 42]) {
    await withServer(async (s) => {
      const r = await initialize(s, v);
      assert.equal(r.result.protocolVersion, LATEST, `answer to ${v}`);
    });
  }
});

test('ids are echoed exactly; unknown methods fail fast, before initialize too', async () => {
  await withServer(async (s) => {
    s.send({ jsonrpc: '2.0', id: 'discover-1', method: 'server/discover', params: {} });
    const d = await s.next(2000);
    assert.equal(d.id, 'discover-1');
    assert.equal(d.error.code, -32601);
    await initialize(s);
    s.send('{"jsonrpc":"2.0","id":12345678901234567890123,"method":"ping"}');
    assert.ok(s.lines.length >= 0);
    await s.next();
    assert.match(s.lines.at(-1), /"id":12345678901234567890123,/);
    s.send({ jsonrpc: '2.0', id: 'x"y', method: 'ping' });
    const p = await s.next();
    assert.equal(p.id, 'x"y');
    assert.deepEqual(p.result, {});
    s.send({ jsonrpc: '2.0', id: 7, method: 'resources/list' });
    assert.equal((await s.next()).error.code, -32601);
    s.send({ jsonrpc: '2.0', id: 8, method: 'prompts/list' });
    assert.equal((await s.next()).error.code, -32601);
    s.send({ jsonrpc: '2.0', id: 9, method: 'initialize', params: { protocolVersion: LATEST } });
    assert.equal((await s.next()).error.code, -32600, 'a second initialize is refused');
  });
});

test('notifications get no answer, not even unknown ones', async () => {
  await withServer(async (s) => {
    await initialize(s);
    s.send({ jsonrpc: '2.0', method: 'notifications/whatever', params: {} });
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 99 } });
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: 'bogus' });
    s.send({ jsonrpc: '2.0', id: 1, result: {} });
    assert.ok(await s.silent(300));
    s.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    assert.equal((await s.next()).id, 2, 'and the server still serves');
  });
});

test('hostile input gets the right error and the server keeps serving', async () => {
  await withServer(async (s) => {
    await initialize(s);
    const cases = [
      ['{not json', -32700],
      ['{"jsonrpc":"2.0","id":1,"method":"p\u00ff"}'.replace('\u00ff', '\\u00ff'), -32601],
      ['[' .repeat(10000) + ']'.repeat(10000), -32700],
      ['{"jsonrpc":"2.0","id":1.5,"method":"ping"}', -32600],
      ['{"jsonrpc":"2.0","id":null,"method":"ping"}', -32600],
      ['{"jsonrpc":"2.0","id":3,"method":7}', -32600],
      ['{"jsonrpc":"1.0","id":3,"method":"ping"}', -32600],
      ['{"jsonrpc":"2.0","id":3,"method":"tools/list","params":[1,2]}', -32602],
      ['"just a string"', -32600],
      ['{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":"nope"}}', -32602],
      ['{"jsonrpc":"2.0","id":5,"method":"logging/setLevel","params":{"level":"loud"}}', -32602],
      ['{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{}}', -32602],
      ['{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"nope"}}', -32602],
      ['{"jsonrpc":"2.0","id":7,"method":"ping","params":{"n":1e99999}}', null],
    ];
    for (const [line, code] of cases) {
      s.send(line);
      const r = await s.next();
      if (code === null) assert.deepEqual(r.result, {}, line.slice(0, 40));
      else assert.equal(r.error?.code, code, `${line.slice(0, 60)} -> ${JSON.stringify(r)}`);
    }
    // Invalid UTF-8 on the wire.
    s.proc.stdin.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"p'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]));
    assert.equal((await s.next()).error.code, -32700);
    // A line over 4 MiB is refused whole, and the next line is served.
    const big = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"' + 'a'.repeat(5 * 1024 * 1024) + '"}}';
    s.send(big);
    const tooBig = await s.next(20000);
    assert.equal(tooBig.error.code, -32600);
    assert.match(tooBig.error.message, /longer than 4194304/);
    s.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
    assert.equal((await s.next()).id, 'after');
    // A message just under the limit is served.
    const ok = '{"jsonrpc":"2.0","id":"big-ok","method":"ping","params":{"x":"' + 'b'.repeat(4 * 1024 * 1024 - 200) + '"}}';
    s.send(ok);
    assert.equal((await s.next(20000)).id, 'big-ok');
    // CRLF line endings are tolerated.
    s.proc.stdin.write('{"jsonrpc":"2.0","id":"crlf","method":"ping"}\r\n');
    assert.equal((await s.next()).id, 'crlf');
  });
});

test('batches only under 2025-03-26', async () => {
  await withServer(async (s) => {
    await initialize(s, '2025-03-26');
    s.send([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', method: 'notifications/x' }, { jsonrpc: '2.0', id: 2, method: 'nope' }]);
    const r = await s.next();
    assert.ok(Array.isArray(r));
    assert.equal(r.length, 2);
    assert.deepEqual(r[0], { jsonrpc: '2.0', id: 1, result: {} });
    assert.equal(r[1].error.code, -32601);
    s.send([{ jsonrpc: '2.0', method: 'notifications/x' }]);
    assert.ok(await s.silent(200), 'a batch of notifications gets no answer');
    s.send([]);
    assert.equal((await s.next()).error.code, -32600);
  });
  await withServer(async (s) => {
    await initialize(s, LATEST);
    s.send([{ jsonrpc: '2.0', id: 1, method: 'ping' }]);
    const r = await s.next();
    assert.equal(r.error.code, -32600);
    assert.equal('id' in r, false);
  });
});

test('tools/list: names, titles, schemas and truthful annotations', async () => {
  await withServer(async (s) => {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const r = await s.next();
    assert.ok(r.result.tools.length > 0);
    assert.equal(r.result.nextCursor, undefined);
    for (const t of r.result.tools) {
      assert.match(t.name, /^[a-zA-Z0-9_-]{1,64}$/);
      assert.equal(typeof t.title, 'string');
      assert.ok(t.description.length > 20);
      assert.equal(t.inputSchema.type, 'object');
      assert.equal(t.inputSchema.additionalProperties, false);
      for (const k of ['oneOf', 'anyOf', 'allOf']) assert.equal(t.inputSchema[k], undefined);
      assert.equal(t.outputSchema.type, 'object');
      for (const h of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) assert.equal(typeof t.annotations[h], 'boolean', `${t.name}.${h}`);
      assert.ok('dry_run' in t.inputSchema.properties, `${t.name} has dry_run`);
    }
    const ro = r.result.tools.filter((t) => t.annotations.readOnlyHint);
    for (const t of ro) assert.equal(t.annotations.destructiveHint, false, t.name);
    // Older clients get the older shape.
  });
  await withServer(async (s) => {
    await initialize(s, '2024-11-05');
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const r = await s.next();
    for (const t of r.result.tools) {
      assert.equal(t.outputSchema, undefined);
      assert.equal(t.title, undefined);
      assert.equal(t.annotations, undefined);
    }
  });
});

test('argument validation names the bad argument, as a tool error', async () => {
  await withServer(async (s) => {
    await initialize(s);
    const call = async (name, args) => {
      s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
      return s.next();
    };
    let r = await call('get_account', {});
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /missing required argument 'account_id'/);
    r = await call('get_account', { account_id: 42 });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /'account_id'/);
    r = await call('get_account', { account_id: '001B000001LnobC', color: 'red' });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /color/);
    // The name the tool used to take is refused, and the error names the
    // one it takes now.
    r = await call('get_account', { id: '001B000001LnobC' });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /unknown argument 'id'.*account_id/);
    r = await call('get_account', { account_id: '006gK000002aKKU' });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /starts with '006'/);
    r = await call('query', { soql: 'DELETE FROM Account' });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /DELETE/);
    r = await call('query', { soql: 'SELECT Id FROM Account', bypass_sharing: true });
    assert.equal(r.result.isError, true);
    assert.match(r.result.content[0].text, /bypass_sharing=true is refused/);
  });
});

test('logging/setLevel turns on notifications/message', async () => {
  await withServer(async (s) => {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'debug' } });
    assert.deepEqual((await s.next()).result, {});
    s.send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id FROM Account', bypass_sharing: true } } });
    const a = await s.next();
    const b = await s.next();
    const note = [a, b].find((m) => m.method === 'notifications/message');
    const resp = [a, b].find((m) => m.id === 2);
    assert.ok(note, 'a log notification arrived');
    assert.equal(note.params.level, 'debug');
    assert.ok(resp.result.isError);
  });
});

test('EOF on stdin ends every process, with status 0, within a second', async () => {
  const s = spawnRaw(offlineEnv());
  await initialize(s);
  const kids = await waitTree(s.proc.pid);
  assert.equal(kids.length, 3, JSON.stringify(kids));
  const t0 = Date.now();
  const { code } = await s.close();
  const ms = Date.now() - t0;
  assert.equal(code, 0, s.stderr);
  assert.ok(ms < 1000, `took ${ms} ms`);
  assert.ok(await waitFor(() => kids.every((k) => !alive(k.pid)), 1000), 'no child left');
});

test('SIGTERM and SIGINT stop everything with status 0', async () => {
  for (const sig of ['SIGTERM', 'SIGINT']) {
    const s = spawnRaw(offlineEnv());
    await initialize(s);
    const kids = await waitTree(s.proc.pid);
    s.proc.kill(sig);
    const { code } = await s.exited;
    assert.equal(code, 0, sig + ': ' + s.stderr);
    assert.ok(await waitFor(() => kids.every((k) => !alive(k.pid)), 1000), 'no child left after ' + sig);
  }
});

test('a dying child stops the tree with one clear line (fail closed)', async () => {
  for (const victim of ['broker', 'writer', 'front']) {
    const s = spawnRaw(offlineEnv());
    await initialize(s);
    const kids = await waitTree(s.proc.pid);
    const k = kids.find((c) => c.cmd.endsWith(victim));
    assert.ok(k, victim + ' found in ' + JSON.stringify(kids));
    process.kill(k.pid, 'SIGKILL');
    const { code } = await s.exited;
    assert.notEqual(code, 0);
    const errs = s.stderr.split('\n').filter((l) => /"level":"error"/.test(l));
    assert.equal(errs.length, 1, s.stderr);
    assert.match(errs[0], new RegExp(`${victim} was killed by signal 9`));
    assert.ok(await waitFor(() => kids.every((c) => !alive(c.pid)), 1500), 'no orphan after ' + victim);
  }
});

test('configuration errors are named on stderr and nothing is started', async () => {
  const s = spawnRaw({ PATH: process.env.PATH });
  const { code } = await s.exited;
  assert.equal(code, 1);
  assert.match(s.stderr, /SFDC_INSTANCE_URL is not set/);
  assert.equal(s.lines.length, 0, 'nothing on stdout');
  const t = spawnRaw({ PATH: process.env.PATH, SFDC_INSTANCE_URL: 'http://example.com' });
  await t.exited;
  assert.match(t.stderr, /must be https/);
  const u = spawnRaw({ PATH: process.env.PATH, SFDC_INSTANCE_URL: 'https://x.example.com' });
  await u.exited;
  assert.match(u.stderr, /no credentials/);
});

// Sanitizer builds keep RLIMIT_FSIZE (their runtime writes reports).
const sanitizerBuild = readFileSync(BIN).includes('__asan_init');

test('stdout redirected to a regular file is refused with a message that says what to do',
  { skip: sanitizerBuild && 'sanitizer builds keep RLIMIT_FSIZE' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sfout-'));
  const out = openSync(join(dir, 'out.jsonl'), 'w');
  try {
    const p = spawn(BIN, [], { env: offlineEnv(), stdio: ['pipe', out, 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.stdin.end('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    const code = await new Promise((r) => p.once('exit', r));
    assert.equal(code, 1);
    assert.match(stderr, /standard output is a regular file.*\| cat > file/);
  } finally {
    closeSync(out);
    rmSync(dir, { recursive: true, force: true });
  }
});
