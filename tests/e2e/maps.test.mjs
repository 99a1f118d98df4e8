// One executable per process, each mapping only its own libraries: from
// /proc, with the real tree serving the simulator, the TLS and HTTP
// stack (libcurl, OpenSSL, GnuTLS and what libcurl brings) is in the
// broker's address space and in no other process's, and each process
// runs the executable it should (the children the ones built next to
// the parent: this is the build tree).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BIN, startSim, simEnv, spawnRaw, initialize, waitTree, waitFor, textOf } from './lib.mjs';

/** The shared objects a process maps, by file name. */
function mappedLibraries(pid) {
  const libs = new Set();
  for (const line of readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n')) {
    const path = line.split(/\s+/)[5];
    if (path && path.startsWith('/') && /\.so(\.|$)/.test(path)) libs.add(path.slice(path.lastIndexOf('/') + 1));
  }
  return libs;
}

// What must stay in the broker: the HTTP client and every TLS library,
// and the protocol libraries libcurl is built with (Debian's links
// GnuTLS through librtmp, Kerberos, LDAP, libssh2, nghttp2, libpsl).
const TLS_HTTP = /^lib(curl|ssl|crypto|gnutls|nettle|hogweed|gmp|ssh2|rtmp|ldap|lber|gssapi_krb5|krb5|k5crypto|krb5support|sasl2|nghttp2|psl|idn2|brotli\w*|zstd|p11-kit|tasn1)[.-]/;

// The children are not dumpable (sandbox.c): their /proc/PID/maps and
// exe are readable by root alone.
test('only the broker maps libcurl and TLS; each process runs its own executable', { skip: process.getuid() !== 0 && 'needs root to read the children\'s /proc/PID/maps (they are not dumpable)' }, async (t) => {
  const sim = await startSim();
  const s = spawnRaw(simEnv(sim));
  try {
    await initialize(s);
    // One real request: the broker has done TLS to the simulator, so
    // anything it loads late is loaded by now.
    s.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } } });
    const r = await s.next();
    assert.ok(r.result && !r.result.isError, 'query answered: ' + JSON.stringify(r).slice(0, 300));
    assert.match(textOf(r.result), /Id/);
    assert.ok(await waitFor(() => /"msg":"ready: front, broker and writer/.test(s.stderr), 5000), 'ready: ' + s.stderr);
    const kids = await waitTree(s.proc.pid);
    assert.equal(kids.length, 3, 'three children: ' + JSON.stringify(kids));
    const procs = { parent: s.proc.pid, ...Object.fromEntries(kids.map((k) => [k.cmd.split(' ').at(-1), k.pid])) };
    assert.deepEqual(Object.keys(procs).sort(), ['broker', 'front', 'parent', 'writer']);

    const parentExe = realpathSync(BIN);
    // SFREVOPS_LIBEXECDIR: where an installed parent's children are
    // (contrib/test-all.sh runs this against the installed package).
    const kidDir = process.env.SFREVOPS_LIBEXECDIR || dirname(parentExe);
    const expected = {
      parent: parentExe,
      front: join(kidDir, 'sfrevops-mcp-front'),
      broker: join(kidDir, 'sfrevops-mcp-broker'),
      writer: join(kidDir, 'sfrevops-mcp-writer'),
    };
    const libs = {};
    for (const [role, pid] of Object.entries(procs)) {
      assert.equal(readlinkSync(`/proc/${pid}/exe`), expected[role], `${role}'s executable`);
      libs[role] = mappedLibraries(pid);
      t.diagnostic(`${role} (pid ${pid}) maps ${libs[role].size} shared objects: ${[...libs[role]].sort().join(' ')}`);
      // Every process maps the C library: the reading above is real.
      assert.ok([...libs[role]].some((l) => /^libc\.so/.test(l)), `${role} maps libc`);
    }
    for (const role of ['parent', 'front', 'writer']) {
      const bad = [...libs[role]].filter((l) => TLS_HTTP.test(l));
      assert.deepEqual(bad, [], `${role} maps part of the TLS/HTTP stack`);
    }
    for (const want of [/^libcurl\.so/, /^libssl\.so/, /^libcrypto\.so/]) {
      assert.ok([...libs.broker].some((l) => want.test(l)), `the broker maps ${want}`);
    }
    // The parent takes no sandbox step but the privilege drop: no libseccomp.
    assert.ok(![...libs.parent].some((l) => /^libseccomp\.so/.test(l)), 'the parent maps no libseccomp');
  } finally {
    await s.close();
    await sim.stop();
  }
});
