// Token isolation: with a recognisable token in the environment, its
// bytes are absent from the memory and environment of the parent, the
// front and the writer, and present only in the broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readSync, closeSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { spawnRaw, offlineEnv, initialize, waitTree, waitFor } from './lib.mjs';

/**
 * A sanitizer build maps terabytes of shadow memory: reading it all
 * through /proc/PID/mem would take hours, so the test runs on the plain
 * build (which test-all.sh also runs) and is skipped, saying so, here.
 */
function sanitized(pid) {
  return readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n').some((line) => {
    const [lo, hi] = line.split(/\s+/)[0].split('-').map((h) => parseInt(h, 16));
    return hi - lo > 2 ** 40;
  });
}

/** Does the process's readable memory contain needle? */
function memoryHas(pid, needle) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  let found = false;
  let scanned = 0;
  try {
    for (const line of maps) {
      const [range, , , , , path] = line.split(/\s+/);
      if (path === '[vvar]' || path === '[vsyscall]' || path === '[vvar_vclock]') continue;
      const [lo, hi] = range.split('-').map((h) => parseInt(h, 16));
      const chunk = 1 << 20;
      for (let at = lo; at < hi && !found; at += chunk) {
        const len = Math.min(chunk + needle.length, hi - at);
        const buf = Buffer.alloc(len);
        let n = 0;
        try { n = readSync(fd, buf, 0, len, at); } catch { break; }
        scanned += n;
        if (buf.subarray(0, n).indexOf(needle) !== -1) found = true;
      }
      if (found) break;
    }
  } finally {
    closeSync(fd);
  }
  return { found, scanned };
}

test('the token lives in the broker only', { skip: process.getuid() !== 0 && 'needs root to read /proc/PID/mem' }, async (t) => {
  const token = '00DISOLATION0001!' + randomBytes(30).toString('hex');
  const s = spawnRaw(offlineEnv({ SFDC_ACCESS_TOKEN: token }));
  try {
    await initialize(s);
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    await s.next();
    const kids = await waitTree(s.proc.pid);
    // Until every child is ready, the parent may still be handing the
    // secrets over; the property is about the tree once it serves.
    assert.ok(await waitFor(() => /"msg":"ready: front, broker and writer/.test(s.stderr), 5000), 'ready: ' + s.stderr);
    if (sanitized(s.proc.pid)) {
      t.skip('sanitizer build: ASan shadow memory is too large to scan; the plain build runs this test');
      return;
    }
    const byRole = Object.fromEntries(kids.map((k) => [k.cmd.split(' ').at(-1), k.pid]));
    const needle = Buffer.from(token);
    const procs = { parent: s.proc.pid, front: byRole.front, writer: byRole.writer, broker: byRole.broker };
    for (const [role, pid] of Object.entries(procs)) {
      const env = readFileSync(`/proc/${pid}/environ`);
      assert.equal(env.indexOf(needle), -1, `${role}'s environment holds the token`);
      assert.equal(env.indexOf(Buffer.from('SFDC_ACCESS_TOKEN')), -1, `${role}'s environment names the token`);
      const { found, scanned } = memoryHas(pid, needle);
      assert.ok(scanned > 100000, `${role}: scanned ${scanned} bytes`);
      if (role === 'broker') assert.ok(found, 'the broker holds the token');
      else assert.ok(!found, `${role}'s memory holds the token`);
    }
    // A partial leak counts too: the second half alone.
    const half = Buffer.from(token.slice(token.length / 2));
    for (const role of ['parent', 'front', 'writer']) {
      assert.ok(!memoryHas(procs[role], half).found, `${role} holds half the token`);
    }
    assert.equal(s.stderr.indexOf(token), -1, 'the token is not logged');
  } finally {
    await s.close();
  }
});

/**
 * Where the needle is in pid's memory: every mapping is read, the
 * no-access ones too (/proc/PID/mem reads through page protection), and
 * a mapping that cannot be read fails the test instead of being skipped.
 * Returns [{perms, path, at}] for each occurrence.
 */
function occurrences(pid, needle) {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').trim().split('\n');
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  const found = [];
  try {
    for (const line of maps) {
      const [range, perms, , , , path] = line.split(/\s+/);
      if (path === '[vvar]' || path === '[vsyscall]' || path === '[vvar_vclock]') continue;
      const [lo, hi] = range.split('-').map((h) => parseInt(h, 16));
      const chunk = 1 << 20;
      for (let at = lo; at < hi; at += chunk) {
        const len = Math.min(chunk + needle.length, hi - at);
        const buf = Buffer.alloc(len);
        let n;
        try { n = readSync(fd, buf, 0, len, at); } catch (e) {
          throw new Error(`cannot read ${range} ${perms} ${path || ''} of ${pid}: ${e.message}`);
        }
        for (let i = buf.subarray(0, n).indexOf(needle); i !== -1 && i < chunk; i = buf.indexOf(needle, i + 1)) {
          found.push({ perms, path: path || '', at: (at + i).toString(16) });
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return found;
}

test('after real requests and a refresh, the broker keeps its secrets only in guarded memory', { skip: process.getuid() !== 0 && 'needs root to read /proc/PID/mem' }, async (t) => {
  const { startSim, connectSdk, descendants } = await import('./lib.mjs');
  const sim = await startSim();
  const opened = [];
  try {
    const env = {
      PATH: process.env.PATH, SFDC_INSTANCE_URL: sim.instance_url, SFDC_LOGIN_URL: sim.login_url,
      SFDC_CA_FILE: sim.ca_file, SFDC_CLIENT_ID: sim.client_id, SFDC_REFRESH_TOKEN: sim.refresh_token,
    };
    const c = await connectSdk(env, opened);
    const q = async () => {
      const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account LIMIT 5' } });
      assert.equal(r.isError, false, JSON.stringify(r));
    };
    await q();
    await sim.control('POST', 'expire-tokens', {});
    await q();	// a 401, a refresh, the repeat
    await q();
    const kids = descendants(c.transport.pid);
    const broker = kids.find((k) => /broker/.test(k.cmd));
    assert.ok(broker, 'a broker in ' + JSON.stringify(kids));
    if (sanitized(broker.pid)) {
      t.skip('sanitizer build: ASan shadow memory is too large to scan; the plain build runs this test');
      return;
    }
    const { json: tokens } = await sim.control('GET', 'tokens');
    const secrets = { access: tokens.access.filter((a) => a !== sim.access_token), refresh: [sim.refresh_token] };
    assert.equal(secrets.access.length, 1, 'one access token was minted: ' + JSON.stringify(tokens));
    for (const [kind, list] of Object.entries(secrets)) {
      for (const s of list) {
        for (const piece of [s, s.slice(0, 24), s.slice(-24)]) {
          const where = occurrences(broker.pid, Buffer.from(piece));
          const readable = where.filter((w) => w.perms[0] === 'r');
          assert.deepEqual(readable, [], `${kind} token (${piece.length} chars) in readable broker memory: ${JSON.stringify(where)}`);
        }
      }
    }
    assert.ok(!c.stderr.includes(sim.refresh_token) && !c.stderr.includes(secrets.access[0]), 'no token in the log');
  } finally {
    for (const o of opened) await o.close().catch(() => {});
    await sim.stop();
  }
});
