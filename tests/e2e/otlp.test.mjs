// OpenTelemetry export (src/export.c, the exporter process): with
// SFDC_OTLP_ENDPOINT naming a collector on loopback (a stand-in here that
// records what it is sent), every tool call through the MCP client is one
// span on POST /v1/traces, and the cumulative metrics on /v1/metrics add
// up; unset, no exporter runs and nothing is sent; a collector that is
// down costs one log line and no tool call; an exporter that dies does
// not take the server with it; the exporter holds no secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { openSync, readSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { BIN, startSim, simEnv, connectSdk, spawnRaw, descendants, waitFor } from './lib.mjs';

/** A collector stand-in: records {method, url, headers, json}. */
async function startCollector(status = 200) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      let json = null;
      try { json = JSON.parse(body); } catch { /* recorded as null */ }
      requests.push({ method: req.method, url: req.url, headers: req.headers, body, json });
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(status === 200 ? '{}' : '{"code":14,"message":"unavailable"}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    requests, port, url: `http://127.0.0.1:${port}`,
    spans: () => requests.filter((q) => q.url === '/v1/traces').flatMap((q) => q.json.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans))),
    metrics: () => requests.filter((q) => q.url === '/v1/metrics'),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

/** A loopback port nothing listens on. */
async function deadPort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const attrs = (list) => Object.fromEntries(list.map((a) => [a.key, a.value]));
const exporterOf = (pid) => descendants(pid).find((k) => / -R export$/.test(k.cmd));
const TREE = (pid) => descendants(pid).filter((k) => / -R /.test(k.cmd)).map((k) => k.cmd.split(' ').pop()).sort();

test('N tool calls are N spans, and the metrics add up (OTLP/JSON encoding)', async () => {
  const sim = await startSim();
  const col = await startCollector();
  let c;
  try {
    c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: col.url, SFDC_OTLP_INTERVAL_MS: '200' }));
    const calls = [
      ['query', { soql: 'SELECT Id, Name FROM Account LIMIT 2' }],
      ['query', { soql: 'SELECT Id FROM Opportunity LIMIT 1' }],
      ['query', { soql: 'SELECT Id FROM NoSuchThing__c LIMIT 1' }],
      ['pipeline_by_stage', {}],
    ];
    const results = [];
    for (const [name, args] of calls) results.push(await c.client.callTool({ name, arguments: args }));
    assert.ok(results[2].isError, 'the unknown object is a tool error');
    assert.ok(await waitFor(() => col.spans().filter((s) => s.name.startsWith('tools/call ')).length >= calls.length, 5000),
      'the spans arrive within the interval: ' + c.stderr);
    const calls4 = col.spans().filter((s) => s.name.startsWith('tools/call '));
    assert.equal(calls4.length, calls.length, 'one span per call, no more');
    assert.deepEqual(calls4.map((s) => s.name), calls.map(([n]) => 'tools/call ' + n), 'in order');
    const logged = c.stderr.split('\n').filter((l) => /"msg":"tool call"/.test(l)).map((l) => JSON.parse(l));
    for (const [i, s] of calls4.entries()) {
      assert.match(s.traceId, /^[0-9a-f]{32}$/, 'traceId: 16 bytes in hex');
      assert.match(s.spanId, /^[0-9a-f]{16}$/, 'spanId: 8 bytes in hex');
      assert.equal(s.kind, 2, 'SPAN_KIND_SERVER as its number');
      assert.match(s.startTimeUnixNano, /^\d{19}$/, 'fixed64 as a decimal string');
      assert.match(s.endTimeUnixNano, /^\d{19}$/);
      const dur = BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano);
      assert.equal(dur, BigInt(logged[i].ms) * 1000000n, 'the span lasts the logged ms');
      assert.ok(Math.abs(Number(BigInt(s.endTimeUnixNano) / 1000000n) - Date.now()) < 60000, 'end time is wall-clock now-ish');
      const a = attrs(s.attributes);
      assert.deepEqual(a['mcp.tool.name'], { stringValue: calls[i][0] });
      assert.deepEqual(a['sfrevops.status'], { stringValue: logged[i].status });
      assert.deepEqual(a['sfrevops.args_hash'], { stringValue: logged[i].args_hash });
      assert.deepEqual(a['sfrevops.api_calls'], { intValue: String(logged[i].api_calls) }, 'int64 as a string');
      assert.ok(logged[i].api_calls >= 1, 'each call reached the org');
      if (logged[i].org_id) assert.deepEqual(a['sfrevops.org_id'], { stringValue: logged[i].org_id });
      if (logged[i].status === 'ok') assert.equal(s.status, undefined, 'an ok call has no status');
      else assert.deepEqual(s.status, { code: 2, message: logged[i].status }, 'STATUS_CODE_ERROR on a tool error');
    }
    assert.ok(attrs(calls4[3].attributes)['sfrevops.org_id'], 'the org id once the front knows it');
    assert.equal(calls4[2].status?.code, 2, 'the failed query is an ERROR span');
    // Resource and scope.
    const tr = col.requests.find((q) => q.url === '/v1/traces');
    assert.equal(tr.method, 'POST');
    assert.equal(tr.headers['content-type'], 'application/json');
    const res = attrs(tr.json.resourceSpans[0].resource.attributes);
    assert.deepEqual(res['service.name'], { stringValue: 'sfrevops-mcp' });
    assert.match(res['service.version'].stringValue, /^\d+\.\d+/);
    assert.equal(col.spans().filter((s) => s.name === 'sfrevops-mcp start').length, 1, 'the start event');
    // Metrics: the last cumulative export adds up to the calls.
    assert.ok(await waitFor(() => {
      const m = col.metrics().at(-1);
      if (!m) return false;
      const ms = m.json.resourceMetrics[0].scopeMetrics[0].metrics;
      const dp = ms.find((x) => x.name === 'sfrevops.tool.calls').sum.dataPoints;
      return dp.reduce((n, d) => n + Number(d.asInt), 0) === calls.length;
    }, 5000), 'the counter reaches the number of calls');
    const ms = col.metrics().at(-1).json.resourceMetrics[0].scopeMetrics[0].metrics;
    const counter = ms.find((x) => x.name === 'sfrevops.tool.calls');
    assert.equal(counter.sum.aggregationTemporality, 2, 'CUMULATIVE as its number');
    assert.equal(counter.sum.isMonotonic, true);
    const byKey = Object.fromEntries(counter.sum.dataPoints.map((d) => {
      const a = attrs(d.attributes);
      return [a['mcp.tool.name'].stringValue + '/' + a['sfrevops.status'].stringValue, d.asInt];
    }));
    const want = {};
    for (const l of logged) want[l.tool + '/' + l.status] = String((Number(want[l.tool + '/' + l.status] || 0)) + 1);
    assert.deepEqual(byKey, want, 'by tool and status, int64 as strings');
    const hist = ms.find((x) => x.name === 'sfrevops.tool.duration');
    assert.equal(hist.unit, 'ms');
    assert.equal(hist.histogram.aggregationTemporality, 2);
    const q = hist.histogram.dataPoints.find((d) => attrs(d.attributes)['mcp.tool.name'].stringValue === 'query');
    assert.equal(q.count, '3', 'three queries');
    assert.equal(q.bucketCounts.length, q.explicitBounds.length + 1);
    assert.equal(q.bucketCounts.reduce((n, b) => n + Number(b), 0), 3, 'the buckets add up to the count');
    const qms = logged.filter((l) => l.tool === 'query').map((l) => l.ms);
    assert.equal(q.sum, qms.reduce((a, b) => a + b, 0), 'the sum of the durations');
    assert.equal(q.min, Math.min(...qms));
    assert.equal(q.max, Math.max(...qms));
  } finally {
    // Closed here, not only on success: a server left running would
    // keep the simulator's connections, and sim.stop(), waiting.
    if (c) await c.client.close().catch(() => {});
    await col.close();
    await sim.stop();
  }
});

test('without SFDC_OTLP_ENDPOINT no exporter runs and the collector hears nothing', async () => {
  const sim = await startSim();
  const col = await startCollector();
  let s;
  try {
    s = spawnRaw(simEnv(sim, { SFDC_OTLP_INTERVAL_MS: '100' }));
    s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } });
    await s.next();
    s.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } } });
    const r = await s.next();
    assert.ok(r.result && !r.result.isError);
    await waitFor(() => TREE(s.proc.pid).length === 3, 3000);
    assert.deepEqual(TREE(s.proc.pid), ['broker', 'front', 'writer'], 'three children, no exporter');
    await new Promise((r2) => setTimeout(r2, 500));
    assert.equal(col.requests.length, 0, 'nothing was sent');
    assert.doesNotMatch(s.stderr, /export/, 'and nothing said about export');
  } finally {
    if (s) { s.proc.kill('SIGTERM'); await s.exited; }
    await col.close();
    await sim.stop();
  }
});

test('the exporter runs sandboxed and holds no secret', async (t) => {
  const sim = await startSim();
  const col = await startCollector();
  let c;
  try {
    c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: col.url + '/', SFDC_OTLP_INTERVAL_MS: '100' }));
    await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    const pid = c.transport.pid;
    assert.ok(await waitFor(() => exporterOf(pid), 3000), 'an exporter process');
    assert.deepEqual(TREE(pid), ['broker', 'export', 'front', 'writer']);
    const ex = exporterOf(pid);
    assert.ok(await waitFor(() => /"msg":"export: sandboxed; OTLP to http:\/\/127\.0\.0\.1:\d+ every 100 ms"/.test(c.stderr), 3000), c.stderr);
    if (process.getuid() === 0) {
      const status = readFileSync(`/proc/${ex.pid}/status`, 'utf8');
      assert.match(status, /^Seccomp:\s+2$/m, 'seccomp filter mode');
      assert.match(status, /^NoNewPrivs:\s+1$/m);
      assert.match(status, /^Uid:\s+65534\b/m, 'runs as nobody');
      // Its descriptors: the parent channel and, at most, a connection.
      const fds = readFileSync(`/proc/${ex.pid}/limits`, 'utf8');
      assert.match(fds, /Max open files\s+8\s+8/);
      // No HTTP or TLS library: it writes HTTP/1.1 itself.
      const libs = readFileSync(`/proc/${ex.pid}/maps`, 'utf8').split('\n').map((l) => l.split(/\s+/)[5]).filter((f) => f && /\.so/.test(f));
      assert.ok(libs.length > 0, 'its maps were read');
      assert.deepEqual(libs.filter((f) => /\/lib(curl|ssl|crypto|gnutls|nghttp2|sodium)[.-]/.test(f)), [], 'no libcurl, TLS or libsodium mapped');
      // The token: not in its memory.
      assert.equal(memoryHas(ex.pid, Buffer.from(sim.access_token)), false, 'no token in the exporter');
    } else t.diagnostic('not root: the /proc checks of the exporter are skipped');
  } finally {
    // Closed here, not only on success: a server left running would
    // keep the simulator's connections, and sim.stop(), waiting.
    if (c) await c.client.close().catch(() => {});
    await col.close();
    await sim.stop();
  }
});

/** Does the process's readable memory hold needle? (token_isolation.test) */
function memoryHas(pid, needle) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  try {
    for (const line of maps) {
      const [range, , , , , path] = line.split(/\s+/);
      if (path === '[vvar]' || path === '[vsyscall]' || path === '[vvar_vclock]') continue;
      const [lo, hi] = range.split('-').map((h) => parseInt(h, 16));
      if (hi - lo > 2 ** 32) continue;	/* sanitizer shadow */
      for (let at = lo; at < hi; at += 1 << 20) {
        const len = Math.min((1 << 20) + needle.length, hi - at);
        const buf = Buffer.alloc(len);
        let n = 0;
        try { n = readSync(fd, buf, 0, len, at); } catch { break; }
        if (buf.subarray(0, n).indexOf(needle) !== -1) return true;
      }
    }
  } finally {
    closeSync(fd);
  }
  return false;
}

test('a collector that is down costs one log line, never a tool call', async () => {
  const sim = await startSim();
  const port = await deadPort();
  let c;
  try {
    c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, SFDC_OTLP_INTERVAL_MS: '100' }));
    for (let i = 0; i < 4; i++) {
      const t0 = Date.now();
      const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
      assert.ok(!r.isError, 'the call succeeds');
      assert.ok(Date.now() - t0 < 3000, 'and is not slowed');
      await new Promise((r2) => setTimeout(r2, 250));
    }
    const lines = c.stderr.split('\n').filter((l) => /"proc":"export".*collector at/.test(l));
    assert.equal(lines.length, 1, 'one line for the state change: ' + lines.join('\n'));
    assert.match(lines[0], /"level":"warning".*export: the collector at 127\.0\.0\.1:\d+: POST \/v1\/traces: cannot connect: Connection refused; tool calls go on/);
  } finally {
    // Closed here, not only on success: a server left running would
    // keep the simulator's connections, and sim.stop(), waiting.
    if (c) await c.client.close().catch(() => {});
    await sim.stop();
  }
});

test('a collector that answers 503, then 200: one line when it fails, one when it takes events again', async () => {
  const sim = await startSim();
  const col = await startCollector(503);
  try {
    const c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: col.url, SFDC_OTLP_INTERVAL_MS: '100' }));
    await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.ok(await waitFor(() => col.requests.length >= 3, 3000), 'it tries again each interval');
    assert.equal(c.stderr.split('\n').filter((l) => /collector at .*HTTP 503/.test(l)).length, 1, 'said once: ' + c.stderr);
    // The same events, kept while it failed, go when it answers.
    const col2 = col; // eslint: same server, new answer
    col2.requests.length = 0;
    await col.close();
    const ok = await startCollectorOn(col.port);
    try {
      assert.ok(await waitFor(() => ok.spans().some((s) => s.name === 'tools/call query'), 5000), 'the kept span arrives');
      assert.ok(await waitFor(() => /takes events again/.test(c.stderr), 2000), 'and that is said');
    } finally {
      await c.client.close();
      await ok.close();
    }
  } finally {
    await sim.stop();
  }
});

/** The stand-in again, on a given port. */
async function startCollectorOn(port) {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ url: req.url, json: JSON.parse(body) });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    requests,
    spans: () => requests.filter((q) => q.url === '/v1/traces').flatMap((q) => q.json.resourceSpans[0].scopeSpans[0].spans),
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

test('at shutdown one last flush, within a second', async () => {
  const sim = await startSim();
  const col = await startCollector();
  try {
    const c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: col.url, SFDC_OTLP_INTERVAL_MS: '60000' }));
    await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(col.requests.length, 0, 'nothing before the interval');
    const t0 = Date.now();
    await c.client.close();
    assert.ok(await waitFor(() => col.spans().some((s) => s.name === 'sfrevops-mcp stop'), 2000), 'the last flush came');
    assert.ok(Date.now() - t0 < 2500, 'promptly');
    assert.deepEqual(col.spans().map((s) => s.name), ['sfrevops-mcp start', 'tools/call query', 'sfrevops-mcp stop']);
    assert.ok(col.metrics().length >= 1, 'and the metrics');
  } finally {
    await col.close();
    await sim.stop();
  }
});

test('an exporter that dies does not take the server with it', { skip: process.getuid() !== 0 && 'needs root to kill a child that runs as nobody' }, async () => {
  const sim = await startSim();
  const col = await startCollector();
  let c;
  try {
    c = await connectSdk(simEnv(sim, { SFDC_OTLP_ENDPOINT: col.url, SFDC_OTLP_INTERVAL_MS: '100' }));
    const pid = c.transport.pid;
    assert.ok(await waitFor(() => exporterOf(pid), 3000));
    process.kill(exporterOf(pid).pid, 'SIGKILL');
    assert.ok(await waitFor(() => /"msg":"export was killed by signal 9 \(Killed\): the server goes on without OpenTelemetry export"/.test(c.stderr), 3000), c.stderr);
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.ok(!r.isError, 'the server still serves');
    assert.deepEqual(TREE(pid), ['broker', 'front', 'writer']);
    assert.equal(c.stderr.split('\n').filter((l) => /without OpenTelemetry export/.test(l)).length, 1, 'said once');
  } finally {
    // Closed here, not only on success: a server left running would
    // keep the simulator's connections, and sim.stop(), waiting.
    if (c) await c.client.close().catch(() => {});
    await col.close();
    await sim.stop();
  }
});

test('bad export settings are configuration errors that name the setting', async () => {
  const sim = await startSim();
  try {
    const cases = [
      [{ SFDC_OTLP_ENDPOINT: 'https://otel.example.com' }, /SFDC_OTLP_ENDPOINT: https is not supported/],
      [{ SFDC_OTLP_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }, /SFDC_OTLP_ENDPOINT must be http:\/\/host\[:port\] with no path/],
      [{ SFDC_OTLP_ENDPOINT: 'http://user@127.0.0.1:4318' }, /SFDC_OTLP_ENDPOINT must be http:\/\/host\[:port\] with no path/],
      [{ SFDC_OTLP_ENDPOINT: 'http://127.0.0.1:65536' }, /SFDC_OTLP_ENDPOINT must be http:\/\/host\[:port\] with no path/],
      [{ SFDC_OTLP_ENDPOINT: '127.0.0.1:4318' }, /SFDC_OTLP_ENDPOINT must be http:\/\/host\[:port\], e\.g\./],
      [{ SFDC_OTLP_INTERVAL_MS: '99' }, /SFDC_OTLP_INTERVAL_MS must be milliseconds from 100 to 60000 \(not '99'\)/],
      [{ SFDC_OTLP_INTERVAL_MS: '60001' }, /SFDC_OTLP_INTERVAL_MS must be milliseconds from 100 to 60000/],
      [{ SFDC_OTLP_INTERVAL_MS: '5s' }, /SFDC_OTLP_INTERVAL_MS must be milliseconds/],
    ];
    for (const [extra, re] of cases) {
      const s = spawnRaw(simEnv(sim, extra));
      const t = setTimeout(() => s.proc.kill('SIGKILL'), 10000);
      const { code } = await s.exited;
      clearTimeout(t);
      assert.equal(code, 1, JSON.stringify(extra));
      assert.match(s.stderr, re, JSON.stringify(extra));
    }
    // The bounds themselves are accepted.
    for (const v of ['100', '60000']) {
      const s = spawnRaw(simEnv(sim, { SFDC_OTLP_INTERVAL_MS: v, SFDC_OTLP_ENDPOINT: 'http://127.0.0.1:9' }));
      try {
        s.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } });
        const r = await s.next();
        assert.ok(r.result, v + ' ms is accepted');
      } finally {
        s.proc.kill('SIGTERM');
        await s.exited;
      }
    }
  } finally {
    await sim.stop();
  }
});

// The exporter alone, with this test as its parent on descriptor 3 (a
// socket pair: libuv's 'pipe'), speaking the framing of src/ipc.c: the
// queue holds 1,024 events and drops the 1,025th and later, saying so
// once; a refused connection is one line; SHUTDOWN ends it within its
// second, saying what was dropped and what was not exported.
const EXPORT_BIN = join(dirname(BIN), 'sfrevops-mcp-export');
const T = { ERROR: 1, HELLO: 2, LOG: 4, SHUTDOWN: 6, CONFIG: 8, READY: 12, CONNECT: 16, EVENT: 34 };

function frame(type, id, payload = Buffer.alloc(0)) {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(type, 0);
  h.writeUInt32LE(payload.length, 4);
  h.writeUInt32LE(id, 8);
  return Buffer.concat([h, payload]);
}
const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const str = (s) => { const b = Buffer.from(s); return Buffer.concat([u32(b.length), b]); };

test('the exporter alone: 1,024 events wait, the 1,025th is dropped and said once; SHUTDOWN within a second', { skip: !existsSync(EXPORT_BIN) && 'no built exporter' }, async () => {
  const p = spawn(EXPORT_BIN, ['-R', 'export'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const ch = p.stdio[3];
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const got = [];
  let buf = Buffer.alloc(0);
  ch.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 16 && buf.length >= 16 + buf.readUInt32LE(4)) {
      const len = buf.readUInt32LE(4);
      got.push({ type: buf.readUInt32LE(0), id: buf.readUInt32LE(8), data: buf.subarray(16, 16 + len) });
      buf = buf.subarray(16 + len);
    }
  });
  const logs = () => got.filter((m) => m.type === T.LOG).map((m) => JSON.parse(m.data.subarray(8, 8 + m.data.readUInt32LE(4)).toString()));
  const exited = new Promise((r) => p.once('exit', (code, signal) => r({ code, signal })));
  try {
    ch.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(0)])));
    ch.write(frame(T.CONFIG, 0, str(JSON.stringify({ host: '127.0.0.1', port: 9, interval_ms: 60000, version: '0-test' }))));
    assert.ok(await waitFor(() => got.some((m) => m.type === T.READY), 5000), 'READY: ' + stderr);
    const ev = (i) => frame(T.EVENT, 0, str(JSON.stringify({ kind: 'call', tool: 'query', status: 'ok', ms: i % 7, api_calls: 1 })));
    // 64 events: a full batch, sent at once: the exporter asks for a
    // connection, which this parent refuses.
    for (let i = 0; i < 64; i++) ch.write(ev(i));
    assert.ok(await waitFor(() => got.some((m) => m.type === T.CONNECT), 3000), 'a full batch asks for a connection');
    const c = got.find((m) => m.type === T.CONNECT);
    assert.equal(c.data.subarray(4, 4 + c.data.readUInt32LE(0)).toString(), '127.0.0.1', 'to the configured host');
    assert.equal(c.data.readUInt32LE(4 + c.data.readUInt32LE(0)), 9, 'and port');
    ch.write(frame(T.ERROR, c.id, Buffer.concat([u32(5), str('refusing for the test')])));
    assert.ok(await waitFor(() => logs().some((l) => /collector at 127\.0\.0\.1:9: POST \/v1\/traces: refusing for the test/.test(l.msg)), 3000), 'the refusal is said');
    // Up to the bound: 1,024 waiting, nothing said about dropping.
    for (let i = 64; i < 1024; i++) ch.write(ev(i));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(logs().filter((l) => /dropped/.test(l.msg)).length, 0, 'at 1,024 nothing is dropped');
    assert.equal(got.filter((m) => m.type === T.CONNECT).length, 1, 'failing: no new connection before the interval');
    // One more, and five more: dropped, said once.
    for (let i = 0; i < 6; i++) ch.write(ev(i));
    assert.ok(await waitFor(() => logs().some((l) => /1024 events wait already: further ones are dropped/.test(l.msg)), 3000), 'the 1,025th is dropped and said');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(logs().filter((l) => /dropped/.test(l.msg)).length, 1, 'once');
    // SHUTDOWN: one last try (refused again), then the end, within 1 s.
    const t0 = Date.now();
    ch.write(frame(T.SHUTDOWN, 0));
    assert.ok(await waitFor(() => got.filter((m) => m.type === T.CONNECT).length === 2, 2000), 'a last flush is tried');
    const last = got.filter((m) => m.type === T.CONNECT)[1];
    ch.write(frame(T.ERROR, last.id, Buffer.concat([u32(5), str('still refusing')])));
    const { code } = await exited;
    assert.equal(code, 0, 'it ends cleanly: ' + stderr);
    assert.ok(Date.now() - t0 < 1500, 'within its second');
    assert.ok(logs().some((l) => /6 events were dropped while 1024 waited/.test(l.msg)), 'the count of the dropped');
    assert.ok(logs().some((l) => /the last flush did not finish within 900 ms: 1024 events not exported/.test(l.msg)), JSON.stringify(logs().map((l) => l.msg)));
    assert.ok(logs().every((l) => l.proc === 'export'), 'its lines are its own');
  } finally {
    if (p.exitCode === null) p.kill('SIGKILL');
  }
});
