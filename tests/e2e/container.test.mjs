// The container (issue 11), where podman runs: contrib/Containerfile is
// built, and the image is run as README registers it, `podman run -i
// --rm ... IMAGE`, by the official MCP SDK client over standard input
// and output against the simulator (on loopback: --network=host).  Then
// what the runtime's own seccomp profile means for our sandboxes: with
// the default profile the children install their filters and Landlock
// as on the host; with a profile that refuses the landlock calls the
// server still serves and says what is lost; with one that refuses
// seccomp(2) and prctl(PR_SET_SECCOMP) it does not serve at all.
//
// Not in `make check` (building the image takes minutes): `make
// check-container` runs it, and contrib/test-all.sh where podman is
// installed.  Skipped, saying why, without podman, without a Debian 12
// base image (pulled from the registry, or else made from
// deb.debian.org with mmdebstrap: tagged as docker.io/library/debian:12
// and :12-slim), or where podman cannot start a container at all.
// SFREVOPS_IMAGE names an image built already: then nothing is built.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { srcdir, startSim, rawTextOf, waitFor } from './lib.mjs';

const BASES = ['docker.io/library/debian:12', 'docker.io/library/debian:12-slim'];
const IMAGE = process.env.SFREVOPS_IMAGE || 'localhost/sfrevops-mcp:check';
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

let sim, dir, why = false;
// What this machine's podman needs: global flags (the OCI runtime) and
// run flags (rlimits it may set), found by trying them in turn.
let G = [], R = [];

const run = (args, timeout = 120000) => spawnSync('podman', [...G, ...args], { encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
const tail = (r) => `${r.error || ''}${r.stderr || ''}${r.stdout || ''}`.trim().split('\n').slice(-3).join(' / ');

/** The soft and hard limit of one of our rlimits, from /proc/self/limits. */
function limit(name) {
  const l = readFileSync('/proc/self/limits', 'utf8').split('\n').find((x) => x.startsWith(name));
  const [soft, hard] = l.slice(name.length).trim().split(/\s+/);
  return { soft, hard };
}

function baseImage() {
  if (BASES.every((b) => spawnSync('podman', ['image', 'exists', b]).status === 0)) return false;
  const pulled = BASES.map((b) => spawnSync('podman', ['pull', '-q', b], { encoding: 'utf8', timeout: 300000 }));
  if (pulled.every((r) => r.status === 0)) return false;
  if (!has('mmdebstrap'))
    return `no Debian 12 base image: podman pull ${BASES[0]}: ${tail(pulled[0])}; and no mmdebstrap to make one (Debian package mmdebstrap)`;
  const tar = join(dir, 'debian12.tar');
  const m = spawnSync('mmdebstrap', ['--variant=apt', '--quiet', 'bookworm', tar, 'http://deb.debian.org/debian'], { encoding: 'utf8', timeout: 900000 });
  if (m.status !== 0) return `no Debian 12 base image: the registry: ${tail(pulled[0])}; mmdebstrap: ${tail(m)}`;
  const i = spawnSync('podman', ['import', '-q', tar, BASES[0]], { encoding: 'utf8', timeout: 300000 });
  if (i.status !== 0) return `podman import: ${tail(i)}`;
  spawnSync('podman', ['tag', BASES[0], BASES[1]]);
  rmSync(tar, { force: true });
  return false;
}

/** Find flags with which podman starts a container here, or say why not. */
function probe(image, cmd) {
  const nofile = limit('Max open files');
  const ulimits = ['--ulimit', `nofile=${nofile.soft}:${nofile.hard}`, '--ulimit', 'nproc=32768:32768'];
  const tries = [[[], []], [[], ulimits], [['--runtime', 'runc'], ulimits]];
  const errs = [];
  for (const [g, r] of tries) {
    const p = spawnSync('podman', [...g, 'run', '--rm', '--network=none', ...r, image, ...cmd], { encoding: 'utf8', timeout: 120000 });
    if (p.status === 0) { G = g; R = r; return false; }
    errs.push(`podman ${[...g, 'run', ...r].join(' ')}: ${tail(p)}`);
  }
  return 'podman cannot start a container here: ' + errs.join('; ');
}

before(async () => {
  if (!has('podman')) { why = 'podman is not installed (Debian package podman)'; return; }
  dir = mkdtempSync(join(tmpdir(), 'container-'));
  why = process.env.SFREVOPS_IMAGE ? probe(IMAGE, ['--version']) : baseImage() || probe(BASES[0], ['true']);
  if (why) return;
  sim = await startSim();
  // The user of the image reads the simulator's CA.
  copyFileSync(sim.ca_file, join(dir, 'ca.pem'));
  chmodSync(join(dir, 'ca.pem'), 0o644);
});
after(async () => {
  if (sim) await sim.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Decided in before(), after the tests are declared: each test asks.
const skipped = (t) => { if (why) t.skip(why); return !!why; };

/** podman run -i --rm, as README registers it, with the simulator's settings. */
function runArgs(extra = [], cmd = [], token = true) {
  return [...G, 'run', '-i', '--rm', '--network=host', ...R,
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    '-v', `${join(dir, 'ca.pem')}:/run/sfsim-ca.pem:ro`, '-e', 'SFDC_CA_FILE=/run/sfsim-ca.pem',
    '-e', 'SFDC_INSTANCE_URL', ...(token ? ['-e', 'SFDC_ACCESS_TOKEN'] : []), '-e', 'SFDC_FLS_MODE=security_enforced',
    ...extra, IMAGE, ...cmd];
}
const runEnv = () => ({ PATH: process.env.PATH, SFDC_INSTANCE_URL: sim.instance_url, SFDC_ACCESS_TOKEN: sim.access_token });

async function connect(extra = [], token = true) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({ command: 'podman', args: runArgs(extra, [], token), env: runEnv(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'container-test', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    await new Promise((r) => setTimeout(r, 500));
    throw new Error(`${e.message}; stderr: ${stderr}`);
  }
  return { client, get stderr() { return stderr; } };
}

/** The runtime's default seccomp profile, edited, in a file of ours. */
function profile(name, edit) {
  const info = spawnSync('podman', ['info', '--format', '{{.Host.Security.SECCOMPProfilePath}}'], { encoding: 'utf8' });
  const j = JSON.parse(readFileSync(info.stdout.trim() || '/usr/share/containers/seccomp.json', 'utf8'));
  edit(j);
  const f = join(dir, name + '.json');
  writeFileSync(f, JSON.stringify(j));
  return f;
}
const without = (j, names) => {
  for (const s of j.syscalls) if (s.names) s.names = s.names.filter((n) => !names.includes(n));
};

test('contrib/Containerfile builds', { timeout: 1800000 }, (t) => {
  if (skipped(t)) return;
  if (process.env.SFREVOPS_IMAGE) { t.skip(`SFREVOPS_IMAGE=${IMAGE}: built already`); return; }
  const nofile = limit('Max open files');
  const r = run(['build', '--pull=never', '--network=host', '--ulimit', `nofile=${nofile.soft}:${nofile.hard}`,
    '-t', IMAGE, '-f', join(srcdir, 'contrib', 'Containerfile'), srcdir], 1800000);
  assert.equal(r.status, 0, tail(r) + '\n' + (r.stdout || '').slice(-4000));
  const u = run(['image', 'inspect', '--format', '{{.Config.User}} {{json .Config.Entrypoint}}', IMAGE]);
  assert.equal(u.stdout.trim(), 'sfrevops ["/usr/bin/tini","--","/usr/bin/sfrevops-mcp"]');
});

test('podman run -i --rm: initialize, tools/list and a call over stdio, the four processes sandboxed as on the host', async (t) => {
  if (skipped(t)) return;
  const c = await connect(['-e', 'SFDC_LOG_LEVEL=debug']);
  try {
    assert.equal(c.client.getServerVersion().name, 'sfrevops-mcp');
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(['query', 'pipeline_by_stage', 'update_field', 'add_note'].every((n) => names.includes(n)), names.join());
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account LIMIT 2' } });
    assert.equal(r.isError, false, rawTextOf(r));
    assert.equal(r.structuredContent.rows.length, 2);
    assert.match(rawTextOf(r), new RegExp(`^Org: .*${sim.org_id}`));
    // The runtime's default profile lets the children sandbox
    // themselves: seccomp filters installed, Landlock present.
    assert.doesNotMatch(c.stderr, /Landlock is unavailable/);
    assert.doesNotMatch(c.stderr, /"level":"(error|critical)"/, c.stderr);
    // The journal's volume is the user's: writes are not disabled.
    assert.doesNotMatch(c.stderr, /writes are disabled/, c.stderr);
  } finally {
    await c.client.close();
  }
  // --rm: no container of the image is left once standard input closed.
  assert.ok(await waitFor(() => run(['ps', '-a', '-q', '--filter', `ancestor=${IMAGE}`]).stdout.trim() === '', 10000),
    'container removed: ' + run(['ps', '-a', '--filter', `ancestor=${IMAGE}`]).stdout);
});

test('the refresh token as a podman secret, uid=999,mode=0400, as README registers it', async (t) => {
  if (skipped(t)) return;
  const name = `sfrevops-test-${process.pid}`;
  const f = join(dir, 'refresh');
  writeFileSync(f, sim.refresh_token + '\n');
  assert.equal(run(['secret', 'create', name, f]).status, 0, 'podman secret create');
  rmSync(f);
  try {
    await sim.clearLog();
    const c = await connect(['--secret', `${name},target=sfdc_refresh,uid=999,mode=0400`,
      '-e', 'SFDC_REFRESH_TOKEN_FILE=/run/secrets/sfdc_refresh', '-e', `SFDC_CLIENT_ID=${sim.client_id}`], false);
    try {
      const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
      assert.equal(r.isError, false, rawTextOf(r) + c.stderr);
    } finally {
      await c.client.close();
    }
    const grants = (await sim.log()).filter((e) => e.path === '/services/oauth2/token').map((e) => e.grant_type);
    assert.deepEqual(grants, ['refresh_token']);
  } finally {
    run(['secret', 'rm', name]);
  }
});

test('check in the container: every check of a good org ok, Landlock present', (t) => {
  if (skipped(t)) return;
  const r = spawnSync('podman', runArgs(['-e', 'SFDC_JOURNAL=none'], ['check', '--json']), { env: runEnv(), encoding: 'utf8', input: '', timeout: 120000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const j = JSON.parse(r.stdout);
  const ll = j.checks.find((c) => c.name === 'landlock');
  assert.equal(ll.status, 'ok', ll.detail);
  assert.match(ll.detail, /^Landlock ABI \d+/);
});

test('a runtime profile without the landlock calls: the server serves and says what is lost; check warns', async (t) => {
  if (skipped(t)) return;
  const f = profile('no-landlock', (j) => without(j, ['landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self']));
  const c = await connect(['--security-opt', `seccomp=${f}`]);
  try {
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Account LIMIT 1' } });
    assert.equal(r.isError, false, rawTextOf(r));
    assert.match(c.stderr, /Landlock is unavailable.*lost: the second layer of file and TCP restrictions \(seccomp and rlimits still apply\)/);
  } finally {
    await c.client.close();
  }
  const r = spawnSync('podman', runArgs(['--security-opt', `seccomp=${f}`, '-e', 'SFDC_JOURNAL=none'], ['check', '--json']),
    { env: runEnv(), encoding: 'utf8', input: '', timeout: 120000 });
  const ll = JSON.parse(r.stdout).checks.find((x) => x.name === 'landlock');
  assert.equal(ll.status, 'warn');
  assert.match(ll.detail, /Landlock is unavailable/);
});

test('a runtime profile that refuses seccomp(2) and prctl(PR_SET_SECCOMP): the server does not serve unsandboxed', (t) => {
  if (skipped(t)) return;
  const PR_SET_SECCOMP = 22;
  const f = profile('no-seccomp', (j) => {
    without(j, ['seccomp', 'prctl']);
    j.syscalls.push({ names: ['prctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: PR_SET_SECCOMP, op: 'SCMP_CMP_EQ' }] });
    j.syscalls.push({ names: ['prctl'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: PR_SET_SECCOMP, op: 'SCMP_CMP_NE' }] });
  });
  const init = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  const r = spawnSync('podman', runArgs(['--security-opt', `seccomp=${f}`]), { env: runEnv(), encoding: 'utf8', input: init + '\n', timeout: 120000 });
  assert.notEqual(r.status, 0, 'exit status');
  assert.doesNotMatch(r.stdout, /"result"/, 'no answer from an unsandboxed front');
  assert.match(r.stderr, /sandbox: seccomp could not be applied/, r.stderr);
  assert.match(r.stderr, /exited with status 1; stopping everything/, r.stderr);
});
