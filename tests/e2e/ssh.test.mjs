// SSH stdio, as README registers it for Claude Desktop on a laptop: the
// server runs on the Linux host behind a real sshd (Debian's
// openssh-server) on a loopback port with a throw-away key, started as
// the key's forced command; the MCP SDK client speaks to it through
// `ssh -T -e none -o BatchMode=yes ...`.  A dropped connection (the
// client killed, or the connection's sshd process killed) stops the
// whole tree within a second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startSim, simEnv, descendants, alive, waitFor, rawTextOf } from './lib.mjs';

const SSHD = '/usr/sbin/sshd';
const why = !existsSync(SSHD) ? `${SSHD} is absent (Debian package openssh-server)`
  : process.getuid() !== 0 ? 'sshd needs root here (privilege separation in /run/sshd)' : false;

let sim, dir, sshd, port, stderr = '';

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const shq = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;

before(async () => {
  if (why) return;
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), 'ssh-'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  for (const k of ['host', 'client'])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `sfrevops-${k}`, '-f', join(dir, k)]);
  // The forced command: the host's settings, as README shows them.
  const env = simEnv(sim);
  const cmd = 'exec env -i ' + ['PATH', 'SFDC_INSTANCE_URL', 'SFDC_LOGIN_URL', 'SFDC_ACCESS_TOKEN', 'SFDC_CA_FILE', 'SFDC_FLS_MODE']
    .map((k) => `${k}=${shq(env[k])}`).join(' ') + ' ' + shq(BIN);
  writeFileSync(join(dir, 'authorized_keys'),
    `command="${cmd.replace(/"/g, '\\"')}",no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding ${readFileSync(join(dir, 'client.pub'), 'utf8')}`);
  chmodSync(join(dir, 'authorized_keys'), 0o600);
  port = await freePort();
  writeFileSync(join(dir, 'sshd_config'), [
    `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PermitRootLogin prohibit-password',
    'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
    'PidFile none', 'ClientAliveInterval 5', 'ClientAliveCountMax 2', 'LogLevel VERBOSE', '',
  ].join('\n'));
  sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  sshd.stderr.on('data', (d) => { stderr += d; });
  assert.ok(await waitFor(() => /Server listening on 127\.0\.0\.1 port/.test(stderr), 5000), 'sshd started: ' + stderr);
});

after(async () => {
  if (sshd && sshd.exitCode === null) {
    sshd.kill('SIGTERM');
    await new Promise((r) => { sshd.once('exit', r); setTimeout(r, 2000); });
  }
  if (sim) await sim.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The registration of README, with the test's key and port.
const sshArgs = () => ['-T', '-e', 'none', '-o', 'BatchMode=yes', '-o', 'ServerAliveInterval=30', '-o', 'ServerAliveCountMax=3',
  '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`, '-o', 'IdentitiesOnly=yes',
  '-i', join(dir, 'client'), '-p', String(port), 'root@127.0.0.1', 'sfrevops-mcp'];

/** The server's processes under the sshd: the parent and its children. */
const serverTree = () => descendants(sshd.pid).filter((p) => p.cmd.includes('sfrevops-mcp') && !p.cmd.startsWith('sshd'));

async function connectOverSsh() {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({ command: 'ssh', args: sshArgs(), env: { PATH: process.env.PATH }, stderr: 'pipe' });
  let err = '';
  transport.stderr.on('data', (d) => { err += d; });
  const client = new Client({ name: 'e2e-ssh', version: '1.0.0' });
  try {
    await client.connect(transport);
  } catch (e) {
    throw new Error(`connect over ssh failed: ${e.message}; ssh: ${err}; sshd: ${stderr}`);
  }
  return { client, transport, get stderr() { return err; } };
}

async function dropped(kill) {
  const s = await connectOverSsh();
  const r = await s.client.callTool({ name: 'pipeline_by_stage', arguments: {} });
  assert.equal(r.isError, false, rawTextOf(r));
  assert.match(rawTextOf(r), /^Org: \S+ 00DgK0000000001UAA\nOpen pipeline by stage/);
  let tree = [];
  assert.ok(await waitFor(() => { tree = serverTree(); return tree.filter((p) => / -R /.test(p.cmd)).length === 3; }, 5000),
    'the parent and its three children run under sshd: ' + JSON.stringify(serverTree()));
  const t0 = Date.now();
  kill(s);
  const gone = await waitFor(() => tree.every((p) => !alive(p.pid)), 1000, 10);
  const ms = Date.now() - t0;
  assert.ok(gone, `still alive after ${ms} ms: ${JSON.stringify(tree.filter((p) => alive(p.pid)))}`);
  await s.client.close().catch(() => {});
  return ms;
}

test('over ssh -T -e none -o BatchMode=yes: tools answer; the client killed stops the whole tree within a second', { skip: why }, async () => {
  await dropped((s) => s.transport._process.kill('SIGKILL'));
});

test('the connection\'s sshd killed (the link gone on the host\'s side): the whole tree stops within a second', { skip: why }, async () => {
  await dropped(() => {
    // The per-connection sshd: the server's parent is its descendant.
    const sess = descendants(sshd.pid).filter((p) => p.cmd.startsWith('sshd'));
    assert.ok(sess.length >= 1, 'a session sshd: ' + JSON.stringify(descendants(sshd.pid)));
    for (const p of sess) process.kill(p.pid, 'SIGKILL');
  });
});
