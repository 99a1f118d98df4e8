// syslog and the journal (src/logsink.c): with SFDC_LOG_JOURNAL naming a
// socket, every line the server writes on stderr reaches that socket as
// one native-protocol entry, MESSAGE the very line and each top-level
// member a SFREVOPS_* field; with SFDC_LOG_SYSLOG, every line reaches
// /dev/log with the facility and the priority of its level.  /dev/log
// is the system's, so the syslog test runs the server in a mount
// namespace of its own (unshare --mount, root only) with a listener
// there; tests/dgram_sink is that listener for both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BIN, startSim, simEnv, connectSdk, spawnRaw, waitFor } from './lib.mjs';

const SINK = join(process.env.top_builddir || dirname(BIN), 'tests', 'dgram_sink');

/** Start the listener on path; resolves with stop(). */
async function startSink(path, out) {
  const p = spawn(SINK, [path, out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    p.stdout.once('data', resolve);
    p.once('exit', (c) => reject(new Error('dgram_sink exited ' + c + ': ' + err)));
  });
  return {
    pid: p.pid,
    async stop() {
      if (p.exitCode === null) {
        p.kill('SIGTERM');
        await new Promise((r) => p.once('exit', r));
      }
      assert.equal(err, '', 'the listener saw nothing wrong');
    },
  };
}

/** The datagrams dgram_sink recorded, as Buffers. */
function datagrams(out) {
  const res = [];
  if (!existsSync(out)) return res;
  const b = readFileSync(out);
  let at = 0;
  while (at < b.length) {
    const nl = b.indexOf(10, at);
    const n = Number(b.subarray(at, nl).toString());
    res.push(b.subarray(nl + 1, nl + 1 + n));
    at = nl + 1 + n;
  }
  return res;
}

/**
 * One native-protocol entry: NAME=value lines, or NAME, a newline, a
 * little-endian u64 length, the bytes and a newline.  A Map of arrays.
 */
function journalFields(d) {
  const f = new Map();
  let at = 0;
  while (at < d.length) {
    const nl = d.indexOf(10, at);
    assert.ok(nl !== -1, 'every field ends in a newline');
    const line = d.subarray(at, nl).toString();
    const eq = line.indexOf('=');
    let name, value;
    if (eq !== -1) {
      name = line.slice(0, eq);
      value = line.slice(eq + 1);
      at = nl + 1;
    } else {
      name = line;
      const n = Number(d.readBigUInt64LE(nl + 1));
      value = d.subarray(nl + 9, nl + 9 + n).toString();
      assert.equal(d[nl + 9 + n], 10, 'a binary field ends in a newline');
      at = nl + 10 + n;
    }
    assert.match(name, /^[A-Z][A-Z0-9_]{0,63}$/, 'a valid journal field name: ' + name);
    if (!f.has(name)) f.set(name, []);
    f.get(name).push(value);
  }
  return f;
}

const stderrLines = (s) => s.split('\n').filter((l) => l.startsWith('{'));
const PRIORITY = { debug: 7, info: 6, notice: 5, warning: 4, error: 3, critical: 2 };

test('SFDC_LOG_JOURNAL: every stderr line is one journal entry with its fields, the tool call\'s among them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const sock = join(dir, 'socket');
  const out = join(dir, 'entries');
  const sim = await startSim();
  const sink = await startSink(sock, out);
  try {
    const env = simEnv(sim, { SFDC_LOG_JOURNAL: sock });
    const c = await connectSdk(env);
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account LIMIT 2' } });
    assert.ok(!r.isError, 'the query answered');
    await c.client.close();
    await waitFor(() => /"msg":"tool call"/.test(c.stderr), 3000);
    await new Promise((r2) => setTimeout(r2, 200));
    const lines = stderrLines(c.stderr);
    const entries = datagrams(out).map(journalFields);
    const messages = entries.map((e) => e.get('MESSAGE')[0]);
    assert.deepEqual(messages, lines, 'the journal has the stderr lines, in order, and nothing else');
    for (const e of entries) {
      const line = JSON.parse(e.get('MESSAGE')[0]);
      assert.deepEqual(e.get('SYSLOG_IDENTIFIER'), ['sfrevops-mcp']);
      assert.deepEqual(e.get('PRIORITY'), [String(PRIORITY[line.level])], 'the priority of ' + line.level);
      assert.match(e.get('SYSLOG_PID')[0], /^\d+$/);
      for (const [k, v] of Object.entries(line)) {
        const name = 'SFREVOPS_' + k.toUpperCase().replace(/[^A-Z0-9]/g, '_');
        assert.deepEqual(e.get(name), [typeof v === 'string' ? v : JSON.stringify(v)], name);
      }
    }
    const call = entries.find((e) => e.get('SFREVOPS_MSG')?.[0] === 'tool call');
    assert.ok(call, 'the tool call\'s entry');
    assert.deepEqual(call.get('SFREVOPS_TOOL'), ['query']);
    assert.deepEqual(call.get('SFREVOPS_PROC'), ['front']);
    assert.match(call.get('SFREVOPS_ARGS_HASH')[0], /^[0-9a-f]{32}$/);
    assert.match(call.get('SFREVOPS_MS')[0], /^\d+$/);
    assert.ok(call.get('SFREVOPS_STATUS'), 'its status');
    const procs = new Set(entries.map((e) => e.get('SFREVOPS_PROC')[0]));
    assert.ok(procs.has('parent'), 'the parent\'s own lines go too: ' + [...procs]);
    // The token is in none of them.
    assert.equal(readFileSync(out).indexOf(sim.access_token), -1, 'no token in the journal');
  } finally {
    await sink.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad journal and syslog settings are configuration errors that name the setting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const sim = await startSim();
  try {
    const cases = [
      [{ SFDC_LOG_SYSLOG: 'local8' }, /SFDC_LOG_SYSLOG must be off or a facility: daemon, user, local0 to local7 \(not 'local8'\)/],
      [{ SFDC_LOG_SYSLOG: 'LOCAL0' }, /SFDC_LOG_SYSLOG must be off or a facility/],
      [{ SFDC_LOG_JOURNAL: 'yes' }, /SFDC_LOG_JOURNAL must be on, off or the absolute path/],
      [{ SFDC_LOG_JOURNAL: 'run/socket' }, /SFDC_LOG_JOURNAL must be on, off or the absolute path/],
      [{ SFDC_LOG_JOURNAL: join(dir, 'none') }, /SFDC_LOG_JOURNAL: cannot reach the journal at .*none: No such file or directory/],
      [{ SFDC_LOG_JOURNAL: '/' + 'x'.repeat(107) }, /SFDC_LOG_JOURNAL: the socket path is longer than 107 bytes/],
    ];
    for (const [extra, re] of cases) {
      const s = spawnRaw(simEnv(sim, extra));
      const { code } = await s.exited;
      assert.equal(code, 1, JSON.stringify(extra) + ': exit 1 serving');
      assert.match(s.stderr, re, JSON.stringify(extra));
      assert.doesNotMatch(s.stderr, /"proc":"(front|broker|writer)"/, 'no child was started');
    }
    // 107 bytes is the limit of sun_path: a path of exactly that length
    // is accepted (and then not found), one more byte is not.
    const s = spawnRaw(simEnv(sim, { SFDC_LOG_JOURNAL: '/' + 'x'.repeat(106) }));
    await s.exited;
    assert.match(s.stderr, /cannot reach the journal at \/x+: No such file/);
    // off is off.
    const off = spawnRaw(simEnv(sim, { SFDC_LOG_JOURNAL: 'off', SFDC_LOG_SYSLOG: 'off', SFDC_TOOLS: 'query' }));
    off.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } } });
    const r = await off.next();
    assert.ok(r.result, 'serves with both off');
    await off.close();
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

/*
 * The syslog run: in a mount namespace of its own, /dev is a fresh
 * tmpfs with the few device nodes the processes use bound from the
 * real one, and dgram_sink listening on /dev/log.  Nothing outside the
 * namespace sees any of it.
 */
const NS_SCRIPT = `set -e
d="$1/dev"; mkdir "$d"
mount --make-rprivate /
mount --rbind /dev "$d"
mount -t tmpfs -o mode=0755 tmpfs /dev
for n in null zero full random urandom; do : >"/dev/$n"; mount --bind "$d/$n" "/dev/$n"; done
"$2" /dev/log "$1/syslog" >"$1/ready" &
echo $! >"$1/sink.pid"
i=0; while [ ! -s "$1/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
[ -s "$1/ready" ]
"$3" && st=0 || st=$?
kill "$(cat "$1/sink.pid")"; wait || true
exit $st
`;

function canUnshare() {
  if (process.getuid() !== 0) return 'needs root to bind a listener over /dev/log in a mount namespace (unshare --mount)';
  const r = spawnSync('unshare', ['--mount', 'sh', '-c', 'mount -t tmpfs tmpfs /mnt'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return 'unshare --mount with a tmpfs is not possible here: ' + (r.error ? r.error.message : r.stderr.trim());
  return false;
}
const noUnshare = canUnshare();

async function runInNamespace(dir, env) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({
    command: 'unshare', args: ['--mount', 'sh', '-c', NS_SCRIPT, 'sh', dir, SINK, BIN], env, stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  try {
    await client.connect(transport);
    const r = await client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.ok(!r.isError, 'the query answered: ' + stderr);
  } finally {
    await client.close();
    // The script stops the listener when the server has gone.
    await waitFor(() => {
      try { process.kill(Number(readFileSync(join(dir, 'sink.pid'), 'utf8')), 0); return false; } catch { return true; }
    }, 5000);
  }
  return stderr;
}

test('SFDC_LOG_SYSLOG=local3: every line reaches /dev/log with its facility and priority', { skip: noUnshare }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'syslog-'));
  const sim = await startSim();
  try {
    const stderr = await runInNamespace(dir, simEnv(sim, { SFDC_LOG_SYSLOG: 'local3' }));
    const lines = stderrLines(stderr);
    const got = datagrams(join(dir, 'syslog')).map((d) => d.toString());
    assert.ok(lines.some((l) => /"msg":"tool call"/.test(l)), 'a tool call was logged: ' + stderr);
    const pids = new Set();
    const msgs = got.map((g) => {
      const m = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d sfrevops-mcp\[(\d+)\]: (.*)$/s.exec(g);
      assert.ok(m, 'an RFC 3164 line from glibc: ' + g);
      const line = JSON.parse(m[3]);
      assert.equal(Number(m[1]), 19 * 8 + PRIORITY[line.level], 'local3 and the priority of ' + line.level);
      pids.add(m[2]);
      return m[3] + '\n';
    });
    assert.equal(pids.size, 1, 'every line from the parent (LOG_PID)');
    assert.deepEqual(msgs.map((l) => l.trimEnd()), lines, 'syslog has the stderr lines, in order');
    assert.equal(got.join('').indexOf(sim.access_token), -1, 'no token in syslog');
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without SFDC_LOG_SYSLOG nothing reaches /dev/log', { skip: noUnshare }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'syslog-'));
  const sim = await startSim();
  try {
    const stderr = await runInNamespace(dir, simEnv(sim));
    assert.ok(/"msg":"tool call"/.test(stderr), 'the server logged on stderr');
    assert.equal(datagrams(join(dir, 'syslog')).length, 0, 'and sent nothing to /dev/log');
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a journal that stops reading costs lines, never a call; one that comes back (restarted) gets them again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const sock = join(dir, 'socket');
  const sim = await startSim();
  let sink = await startSink(sock, join(dir, 'entries1'));
  try {
    const c = await connectSdk(simEnv(sim, { SFDC_LOG_JOURNAL: sock, SFDC_LOG_LEVEL: 'debug' }));
    // Stopped, the listener reads nothing: its queue fills (a unix
    // datagram socket holds a few hundred) and the parent's sends would
    // block; they must not.
    process.kill(sink.pid, 'SIGSTOP');
    const t0 = Date.now();
    for (let i = 0; i < 300; i++) {
      const r = await c.client.callTool({ name: 'query', arguments: { soql: `SELECT Id FROM Account LIMIT ${1 + (i % 5)}` } });
      assert.ok(!r.isError, 'call ' + i);
    }
    const ms = Date.now() - t0;
    assert.ok(ms < 60000, `300 calls with a stopped journal in ${ms} ms`);
    await waitFor(() => /"msg":"journal: sending to it failed: Resource temporarily unavailable/.test(c.stderr), 5000);
    assert.equal(c.stderr.match(/journal: sending to it failed/g).length, 1, 'said once');
    process.kill(sink.pid, 'SIGCONT');
    // Restarted: the old socket gone, a new listener on the same path.
    await sink.stop();
    rmSync(sock, { force: true });
    sink = await startSink(sock, join(dir, 'entries2'));
    // At most one reconnection every 10 s.
    await new Promise((r) => setTimeout(r, 10500));
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.ok(!r.isError);
    await waitFor(() => datagrams(join(dir, 'entries2')).length > 0, 5000);
    await waitFor(() => /"msg":"journal: sending to it again"/.test(c.stderr), 5000);
    await c.client.close();
  } finally {
    await sink.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
