// Crafted frames from a compromised peer.  The test is the parent of one
// real child executable (the broker or the writer), sets it up as
// main.c does (HELLO, CONFIG, the secrets and the CA bundle), then plays
// the front on the child's fd 4 and sends frames a compromised front
// could send.  Whatever the policy table does not allow, on that channel,
// in that state and in that shape, must end the child with one log line
// naming the protocol violation; what it allows must be answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN } from './lib.mjs';
import { T, ROLE, u32, str, frame, FrameReader as Reader } from './ipc.mjs';

const IPC_MAX_PAYLOAD = 8 * 1024 * 1024;

const childPath = (role) => join(dirname(BIN), `sfrevops-mcp-${role}`);
const caFile = '/etc/ssl/certs/ca-certificates.crt';

/** Start one child as main.c does; resolves once it is READY. */
async function startChild(role) {
  const env = {};
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) if (process.env[k]) env[k] = process.env[k];
  const proc = spawn(childPath(role), ['-R', role], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const parent = proc.stdio[3];
  const peerA = proc.stdio[4];
  const peerB = proc.stdio[5];
  const fromParent = new Reader(parent);
  const fromA = new Reader(peerA);
  const logs = [];
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.once('exit', (code, sig) => r({ code, sig })));
  // Collect log lines as they come.
  const pump = setInterval(() => {
    let f;
    while ((f = fromParent.frames.findIndex((x) => x.type === T.LOG)) !== -1) {
      const x = fromParent.frames.splice(f, 1)[0];
      logs.push(x.data.subarray(8).toString());
    }
  }, 10);
  parent.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.parent)])));
  const config = {
    instance_url: 'https://127.0.0.1:9', login_url: 'https://127.0.0.1:9', api_version: 'v60.0',
    audit_object: 'Cleanup_Audit__c', commit_stage: 'Commit', fls_mode: 'security_enforced',
    log_level: 'debug', auth_flow: 'access_token', http_timeout_ms: 60000,
    call_timeout_ms: 120000, max_transfers: 6,
  };
  parent.write(frame(T.CONFIG, 0, str(JSON.stringify(config))));
  if (role === 'broker') {
    const tok = Buffer.from('00D000000000001!frames-test-token');
    parent.write(frame(T.SECRET, 0, Buffer.concat([u32(1), u32(tok.length), tok])));
    parent.write(frame(T.SECRET, 0, u32(5)));
    parent.write(frame(T.CA_BUNDLE, 0, Buffer.concat([str(caFile), readFileSync(caFile)])));
  }
  // The writer's journal: Node cannot pass a descriptor, so none
  // (ECANCELED, as for SFDC_JOURNAL=none): writes disabled.
  if (role === 'writer') parent.write(frame(T.JOURNAL, 0, Buffer.concat([u32(125), str('no journal (frames test)')])));
  const ready = await fromParent.next((f) => f.type === T.READY, 10000);
  assert.ok(ready, `${role} did not become ready: ${stderr} ${logs.join('')}`);
  // Our HELLO as the front, on the channel the child knows as the front's.
  peerA.write(frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.front)])));
  const hello = await fromA.next((f) => f.type === T.HELLO);
  assert.ok(hello, 'the child greets its front');
  return {
    proc, peerA, peerB, fromA, logs, exited,
    get stderr() { return stderr; },
    async stop() {
      clearInterval(pump);
      if (proc.exitCode === null && proc.signalCode === null) {
        parent.write(frame(T.SHUTDOWN, 0));
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

/** Send raw, then expect the child to exit with a protocol violation. */
async function expectViolation(role, bytes, what) {
  const c = await startChild(role);
  try {
    c.peerA.write(bytes);
    const timer = new Promise((r) => setTimeout(() => r(null), 5000));
    const ex = await Promise.race([c.exited, timer]);
    assert.ok(ex, `${role} still runs after ${what}`);
    assert.ok(ex.code !== 0 || ex.sig !== null, `${role} exited cleanly after ${what}`);
    await new Promise((r) => setTimeout(r, 50));
    const all = c.logs.join('') + c.stderr;
    assert.match(all, /protocol violation|presumed compromised|frame from front/, `${role} after ${what}: ${all}`);
    // Nothing was answered: the violation is not a request.  (The
    // writer's WR_STATUS is unsolicited, sent at start: no answer.)
    assert.equal(c.fromA.frames.filter((f) => f.type !== T.HELLO && f.type !== T.WR_STATUS).length, 0, `${role} answered ${what}`);
  } finally {
    await c.stop();
  }
}

const haveChildren = existsSync(childPath('broker')) && existsSync(caFile);

test('the broker answers what the table allows from the front (the harness works)', { skip: !haveChildren && 'no built children or CA file' }, async () => {
  const c = await startChild('broker');
  try {
    // A dry-run query: answered, nothing sent anywhere.
    c.peerA.write(frame(T.SF_QUERY, 7, Buffer.concat([u32(1), str('SELECT Id FROM Account')])));
    const r = await c.fromA.next((f) => f.id === 7);
    assert.equal(r?.type, T.SF_QUERY_R, 'a dry run is answered with its page');
    assert.match(r.data.subarray(4).toString(), /"dry_run":true/);
    // A refused statement is a typed error, not a violation.
    c.peerA.write(frame(T.SF_QUERY, 8, Buffer.concat([u32(1), str('DELETE FROM Account')])));
    const e = await c.fromA.next((f) => f.id === 8);
    assert.equal(e?.type, T.ERROR, 'DML is answered with an error');
    // A cancel of something long answered: nothing happens.
    c.peerA.write(frame(T.CANCEL, 7));
    c.peerA.write(frame(T.SF_QUERY, 9, Buffer.concat([u32(1), str('SELECT Name FROM Lead')])));
    assert.equal((await c.fromA.next((f) => f.id === 9))?.type, T.SF_QUERY_R, 'still serving');
    assert.equal(c.proc.exitCode, null);
  } finally {
    await c.stop();
  }
});

const brokerCases = [
  ['a note (SF_WRITE_NOTE) from the front', frame(T.SF_WRITE_NOTE, 1, Buffer.concat([u32(0), str('{"object":"Account"}')]))],
  ['an update (SF_WRITE_UPDATE) from the front', frame(T.SF_WRITE_UPDATE, 1, Buffer.concat([u32(0), str('{"object":"Account"}')]))],
  ['an audit row (SF_AUDIT_FAILED) from the front', frame(T.SF_AUDIT_FAILED, 1, Buffer.concat([u32(0), str('{}')]))],
  ['an answer (SF_QUERY_R) sent to the broker', frame(T.SF_QUERY_R, 1, str('{}'))],
  ['an ERROR sent to the broker', frame(T.ERROR, 1, Buffer.concat([u32(1), str('x')]))],
  ['CONFIG from the front', frame(T.CONFIG, 0, str('{}'))],
  ['a SECRET from the front', frame(T.SECRET, 0, Buffer.concat([u32(1), u32(3), Buffer.from('abc')]))],
  ['CONNECT_R from the front', frame(T.CONNECT_R, 1, u32(0))],
  ['an unknown type (50)', frame(50, 1, Buffer.alloc(0))],
  ['a type past the catalogue (64)', frame(64, 1, Buffer.alloc(0))],
  ['a second HELLO', frame(T.HELLO, 0, Buffer.concat([u32(1), u32(ROLE.front)]))],
  ['a non-zero pad', frame(T.SF_DESCRIBE, 1, str('Account'), 1)],
  ['SF_QUERY without its flags word', frame(T.SF_QUERY, 1, str('SELECT Id FROM Account'))],
  ['SF_QUERY with a byte left over', frame(T.SF_QUERY, 1, Buffer.concat([u32(1), str('SELECT Id FROM Account'), Buffer.from([0])]))],
  ['SF_QUERY whose string runs past the frame', frame(T.SF_QUERY, 1, Buffer.concat([u32(1), u32(1000), Buffer.from('SELECT')]))],
  ['SF_QUERY with a NUL in its string', frame(T.SF_QUERY, 1, Buffer.concat([u32(1), str('SELECT Id\0 FROM Account')]))],
  ['SF_DESCRIBE of max + 1 bytes', frame(T.SF_DESCRIBE, 1, str('A'.repeat(81)))],
  ['SF_GET with three strings missing', frame(T.SF_GET, 1, u32(0))],
  ['a CANCEL with a payload', frame(T.CANCEL, 1, u32(0))],
  ['a frame longer than IPC_MAX_PAYLOAD', Buffer.concat([u32(T.SF_QUERY), u32(IPC_MAX_PAYLOAD + 1), u32(1), u32(0)])],
];

for (const [what, bytes] of brokerCases) {
  test(`broker: ${what} ends it`, { skip: !haveChildren && 'no built children or CA file' }, async () => {
    await expectViolation('broker', bytes, what);
  });
}

test('the writer without a journal refuses writes with a typed error and ends on what no row allows', { skip: !haveChildren && 'no built children' }, async () => {
  // This parent passes no journal (JOURNAL with ECANCELED): the writer
  // starts, says writes are disabled and why, and refuses them.
  const c = await startChild('writer');
  try {
    const st = await c.fromA.next((f) => f.type === T.WR_STATUS);
    assert.ok(st, 'the writer says its status');
    const status = JSON.parse(st.data.subarray(4).toString());
    assert.equal(status.writes, 'disabled');
    assert.match(status.reason, /journal/);
    c.peerA.write(frame(T.WR_NOTE, 3, Buffer.concat([u32(0), str('{"object_type":"Account","object_id":"001000000000001AAA","body":"b"}')])));
    const r = await c.fromA.next((f) => f.id === 3);
    assert.equal(r?.type, T.ERROR, 'a note is refused while writes are disabled');
    assert.equal(r.data.readUInt32LE(0), 1, 'SFE_POLICY');
    assert.match(r.data.toString(), /writes are disabled: .*no journal \(frames test\)/);
  } finally {
    await c.stop();
  }
  await expectViolation('writer', frame(T.SF_QUERY, 1, Buffer.concat([u32(0), str('SELECT Id FROM Account')])), 'a query sent to the writer');
  await expectViolation('writer', frame(T.WR_UPDATE, 1, Buffer.concat([str('Account'), str('x')])), 'WR_UPDATE of the wrong shape');
  await expectViolation('writer', frame(T.SF_WRITE_UPDATE, 1, Buffer.concat([u32(0), str('{}')])), 'SF_WRITE_UPDATE sent to the writer');
});
