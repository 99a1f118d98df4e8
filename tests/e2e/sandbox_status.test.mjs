// The sandbox as the kernel reports it for each running child of the
// server under test (SFREVOPS_BIN: the build tree's, or the installed
// /usr/bin/sfrevops-mcp, which contrib/test-all.sh checks after dpkg -i):
// a seccomp filter (Seccomp: 2) with no_new_privs, no capabilities, not
// dumpable (/proc/PID/status is readable, /proc/PID/mem is root's only),
// and as root a user other than root.  tests/sandbox_test proves what
// each profile refuses, in process; this proves the profiles are on in
// the binaries that run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnRaw, offlineEnv, initialize, waitTree, waitFor } from './lib.mjs';

const field = (status, name) => {
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
  return m ? m[1].trim() : undefined;
};

test('every child runs under its seccomp filter, no_new_privs, no capabilities', {
  skip: process.getuid() !== 0 && 'needs root to read the children\'s /proc/PID/status fully',
}, async (t) => {
  const s = spawnRaw(offlineEnv());
  try {
    await initialize(s);
    assert.ok(await waitFor(() => /"msg":"ready: front, broker and writer/.test(s.stderr), 5000), 'ready: ' + s.stderr);
    const kids = await waitTree(s.proc.pid);
    assert.equal(kids.length, 3, JSON.stringify(kids));
    const roles = kids.map((k) => k.cmd.split(' ').at(-1)).sort();
    assert.deepEqual(roles, ['broker', 'front', 'writer']);
    for (const k of kids) {
      const role = k.cmd.split(' ').at(-1);
      const st = readFileSync(`/proc/${k.pid}/status`, 'utf8');
      t.diagnostic(`${role}: Seccomp ${field(st, 'Seccomp')}, filters ${field(st, 'Seccomp_filters')}, NoNewPrivs ${field(st, 'NoNewPrivs')}, CapEff ${field(st, 'CapEff')}, Uid ${field(st, 'Uid')}`);
      assert.equal(field(st, 'Seccomp'), '2', `${role}: a seccomp filter`);
      assert.ok(Number(field(st, 'Seccomp_filters') ?? 1) >= 1, `${role}: at least one filter`);
      assert.equal(field(st, 'NoNewPrivs'), '1', `${role}: no_new_privs`);
      assert.equal(field(st, 'CapEff'), '0000000000000000', `${role}: no effective capability`);
      assert.equal(field(st, 'CapPrm'), '0000000000000000', `${role}: no permitted capability`);
      const uids = field(st, 'Uid').split(/\s+/);
      assert.ok(uids.every((u) => u !== '0'), `${role}: not root (${uids})`);
    }
  } finally {
    s.proc.stdin.end();
    const timer = setTimeout(() => s.proc.kill('SIGKILL'), 5000);
    const { code } = await s.exited;
    clearTimeout(timer);
    assert.equal(code, 0, s.stderr.slice(-500));
  }
});
