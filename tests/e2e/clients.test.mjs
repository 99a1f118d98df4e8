// Claude Code and other clients on the Linux host (issue 11): the
// registrations README gives, tested as written.
//
// - contrib/mcp.json, a project's .mcp.json: its entry is expanded as
//   Claude Code expands it (${VAR}, ${VAR:-default}; an unset ${VAR}
//   stays as it is) and started, command, args and env, through the
//   official MCP SDK client against the simulator.
// - Claude Code itself (@anthropic-ai/claude-code, pinned in
//   tests/package.json): README's `claude mcp add ... --env ...` line,
//   then `claude mcp list` and `claude mcp get`, which start the server
//   and complete the MCP handshake ("✔ Connected"), and the same example
//   file as a project's .mcp.json, pending until approved.  These need
//   no Anthropic login and no network.  Skipped, saying why, where the
//   package is not installed.
//
// The one test-only setting is SFDC_CA_FILE (the simulator's private
// CA), given as Claude Code gives its own environment to the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, srcdir, startSim, rawTextOf } from './lib.mjs';

const EXAMPLE = join(srcdir, 'contrib', 'mcp.json');
const NAME = 'salesforce-revops';
const INSTALLED = '/usr/bin/sfrevops-mcp';	// the Debian package's path

// Claude Code's native executable: the wrapper's bin/claude.exe once
// its postinstall has run, else the platform package's own copy.
const modules = join(srcdir, 'tests', 'node_modules', '@anthropic-ai');
const CLAUDE = [join(modules, 'claude-code', 'bin', 'claude.exe'), join(modules, 'claude-code-linux-x64', 'claude')]
  .find((p) => existsSync(p) && spawnSync(p, ['--version'], { encoding: 'utf8', timeout: 30000 }).status === 0);
const noClaude = CLAUDE ? false
  : `Claude Code is not installed (npm ci in tests/ installs @anthropic-ai/claude-code, a devDependency, ${process.platform}-${process.arch})`;

let sim, dir;

before(async () => {
  sim = await startSim();
  dir = mkdtempSync(join(tmpdir(), 'clients-'));
});
after(async () => {
  if (sim) await sim.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh home with the refresh token where `sfrevops-mcp login` puts it. */
function home(name, withToken = true) {
  const h = join(dir, name);
  mkdirSync(join(h, '.config', 'sfrevops-mcp'), { recursive: true, mode: 0o700 });
  if (withToken) {
    const f = join(h, '.config', 'sfrevops-mcp', 'refresh_token');
    writeFileSync(f, sim.refresh_token + '\n');
    chmodSync(f, 0o600);
  }
  return h;
}

/** Claude Code's expansion in .mcp.json: ${VAR} and ${VAR:-default}. */
const expand = (s, env) => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
  (all, k, dflt) => (env[k] !== undefined ? env[k] : dflt !== undefined ? dflt : all));

const example = () => JSON.parse(readFileSync(EXAMPLE, 'utf8'));

/** The user's environment: what a member exports, nothing else. */
const userEnv = (h, extra = {}) => ({
  PATH: process.env.PATH, HOME: h, SFDC_INSTANCE_URL: sim.instance_url, SFDC_CLIENT_ID: sim.client_id, ...extra,
});

/** The example's entry, expanded in env, started as Claude Code starts it. */
function exampleLaunch(env) {
  const e = example().mcpServers[NAME];
  const expanded = Object.fromEntries(Object.entries(e.env).map(([k, v]) => [k, expand(v, env)]));
  assert.equal(e.command, INSTALLED);
  return { command: BIN, args: e.args.map((a) => expand(a, env)), env: { ...env, SFDC_CA_FILE: sim.ca_file, ...expanded } };
}

async function connect(launch) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const transport = new StdioClientTransport({ ...launch, stderr: 'pipe' });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'clients-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, get stderr() { return stderr; } };
}

/** Run a launch to its end with standard input closed. */
function runToExit(launch) {
  return new Promise((resolve) => {
    const p = spawn(launch.command, launch.args, { env: launch.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => { err += d; });
    p.stdin.end();
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, stderr: err }); });
  });
}

// ---------------------------------------------------------- the example

test('contrib/mcp.json: one stdio entry, no org and no secret in it, and the same in README and the man page', () => {
  const j = example();
  assert.deepEqual(Object.keys(j), ['mcpServers']);
  assert.deepEqual(Object.keys(j.mcpServers), [NAME]);
  const e = j.mcpServers[NAME];
  assert.equal(e.type, 'stdio');
  assert.ok(Array.isArray(e.args));
  for (const [k, v] of Object.entries(e.env)) {
    assert.match(k, /^SFDC_[A-Z_]+$/);
    assert.equal(typeof v, 'string');
    assert.match(v, /\$\{/, `${k}: every value comes from the member's environment`);
    // A secret only as a file or a command, never its value.
    assert.ok(!/(TOKEN|SECRET|PRIVATE_KEY)$/.test(k), `${k} would put a secret in version control`);
  }
  // README's copy, and the man page's, say the same as the file.
  const readme = readFileSync(join(srcdir, 'README'), 'utf8');
  const sect = readme.slice(readme.indexOf('Registering with Claude Code'));
  const block = sect.slice(sect.indexOf('\n    {\n') + 1, sect.indexOf('\n    }\n') + 6);
  assert.deepEqual(JSON.parse(block), j, 'README shows contrib/mcp.json');
  const man = readFileSync(join(srcdir, 'man', 'sfrevops-mcp.1'), 'utf8');
  const m = man.slice(man.indexOf('.Pa .mcp.json'));
  const lit = m.slice(m.indexOf('.Bd -literal -offset indent\n') + 28, m.indexOf('\n.Ed'));
  assert.deepEqual(JSON.parse(lit.replace(/\\e/g, '\\')), j, 'sfrevops-mcp(1) EXAMPLES shows contrib/mcp.json');
});

test('contrib/mcp.json through the MCP SDK client: the refresh token from the login file, read-only by default', async () => {
  const h = home('sdk');
  await sim.clearLog();
  const launch = exampleLaunch(userEnv(h));
  assert.equal(launch.env.SFDC_REFRESH_TOKEN_FILE, join(h, '.config', 'sfrevops-mcp', 'refresh_token'));
  assert.equal(launch.env.SFDC_TOOLS, 'read-only');
  const c = await connect(launch);
  try {
    const { tools } = await c.client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('query') && names.includes('pipeline_by_stage'), names.join());
    assert.ok(tools.every((t) => t.annotations.readOnlyHint === true), 'only tools that read: ' + names.join());
    assert.ok(!names.includes('update_field') && !names.includes('add_note'), 'no write tool');
    const r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account LIMIT 2' } });
    assert.equal(r.isError, false, rawTextOf(r));
    assert.equal(r.structuredContent.rows.length, 2);
    assert.match(rawTextOf(r), new RegExp(`^Org: .*${sim.org_id}`));
    const log = await sim.log();
    assert.deepEqual(log.filter((e) => e.path === '/services/oauth2/token').map((e) => e.grant_type), ['refresh_token'],
      'the token came from the refresh token file');
    assert.ok(!c.stderr.includes(sim.refresh_token));
  } finally {
    await c.client.close();
  }
});

test('contrib/mcp.json: ${SFDC_TOOLS:-read-only} gives way to the member\'s SFDC_TOOLS', async () => {
  const c = await connect(exampleLaunch(userEnv(home('tools'), { SFDC_TOOLS: 'query,get_account' })));
  try {
    const { tools } = await c.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['get_account', 'query']);
  } finally {
    await c.client.close();
  }
});

test('contrib/mcp.json: an unset ${SFDC_INSTANCE_URL} stays as it is, and the server refuses it, naming it', async () => {
  const env = userEnv(home('unset'));
  delete env.SFDC_INSTANCE_URL;
  const launch = exampleLaunch(env);
  assert.equal(launch.env.SFDC_INSTANCE_URL, '${SFDC_INSTANCE_URL}');
  const r = await runToExit(launch);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /configuration: SFDC_INSTANCE_URL must be https:/);
});

// ------------------------------------------------------------ Claude Code

/** claude, in a project directory, with a home of its own and no network. */
function claude(args, { cwd, h, env = {} }) {
  const r = spawnSync(CLAUDE, args, {
    cwd, encoding: 'utf8', timeout: 60000,
    env: {
      PATH: process.env.PATH, HOME: h, TMPDIR: h,
      // Nothing but the commands asked for: no update check, no telemetry.
      DISABLE_AUTOUPDATER: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // The simulator's CA, as any variable of Claude Code's reaches the server.
      SFDC_CA_FILE: sim.ca_file,
      ...env,
    },
  });
  assert.equal(r.error, undefined, `claude ${args.join(' ')}: ${r.error}`);
  assert.equal(r.status, 0, `claude ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout + r.stderr;
}

/** README's `claude mcp add` command, its words, the shell's $HOME expanded. */
function readmeAdd(h) {
  const readme = readFileSync(join(srcdir, 'README'), 'utf8');
  const m = readme.match(/^ {4}(claude mcp add (?:.*\\\n)+.*)$/m);
  assert.ok(m, 'README has a claude mcp add command');
  const words = m[1].replace(/\\\n/g, ' ').trim().split(/\s+/).map((w) => w.replace(/\$HOME/g, h));
  assert.deepEqual(words.slice(0, 3), ['claude', 'mcp', 'add']);
  return words.slice(1);
}

const line = (out) => out.split('\n').find((l) => l.startsWith(NAME + ':')) || out;

test('claude mcp add, as README writes it: the --env values reach the server, which connects', { skip: noClaude }, () => {
  const h = home('cc-local'), cwd = join(h, 'project');
  mkdirSync(cwd);
  // README's values for the org, replaced by the simulator's; the
  // command by this build's.
  const args = readmeAdd(h).map((w) => w
    .replace(/^SFDC_INSTANCE_URL=.*/, `SFDC_INSTANCE_URL=${sim.instance_url}`)
    .replace(/^SFDC_CLIENT_ID=.*/, `SFDC_CLIENT_ID=${sim.client_id}`)
    .replace(INSTALLED, BIN));
  assert.ok(args.includes(`SFDC_REFRESH_TOKEN_FILE=${join(h, '.config', 'sfrevops-mcp', 'refresh_token')}`), args.join(' '));
  assert.match(claude(args, { cwd, h }), /Added stdio MCP server salesforce-revops/);
  assert.match(line(claude(['mcp', 'list'], { cwd, h })), new RegExp(`^${NAME}: ${BIN} +- ✔ Connected$`));
  const got = claude(['mcp', 'get', NAME], { cwd, h });
  assert.match(got, /Scope: Local config/);
  assert.match(got, /Status: ✔ Connected/);
  assert.match(got, new RegExp(`SFDC_INSTANCE_URL=${sim.instance_url}`));

  // The control: without the --env flags the same server is refused
  // (Claude Code's own environment has no SFDC_INSTANCE_URL), so the
  // connection above rests on them.
  claude(['mcp', 'add', '--transport', 'stdio', 'bare', '--', BIN], { cwd, h });
  const bare = claude(['mcp', 'get', 'bare'], { cwd, h });
  assert.match(bare, /Status: ✘ Failed to connect/);
});

test('claude mcp list with contrib/mcp.json as a project .mcp.json: pending, then approved and connected', { skip: noClaude }, () => {
  const h = home('cc-project'), cwd = join(h, 'project');
  mkdirSync(cwd);
  // The example as it is, but for the executable's path.
  writeFileSync(join(cwd, '.mcp.json'), readFileSync(EXAMPLE, 'utf8').replace(`"${INSTALLED}"`, JSON.stringify(BIN)));
  const env = { SFDC_INSTANCE_URL: sim.instance_url, SFDC_CLIENT_ID: sim.client_id };
  assert.match(line(claude(['mcp', 'list'], { cwd, h, env })), /⏸ Pending approval/);
  mkdirSync(join(h, '.claude'), { recursive: true });
  writeFileSync(join(h, '.claude', 'settings.json'), JSON.stringify({ enabledMcpjsonServers: [NAME] }));
  assert.match(line(claude(['mcp', 'list'], { cwd, h, env })), new RegExp(`^${NAME}: ${BIN} +- ✔ Connected$`));
  const got = claude(['mcp', 'get', NAME], { cwd, h, env });
  assert.match(got, /Scope: Project config \(shared via \.mcp\.json\)/);
  assert.match(got, /Status: ✔ Connected/);

  // The member who exported nothing: Claude Code warns, passes
  // ${SFDC_INSTANCE_URL} on as it is, and the server refuses it.
  const out = claude(['mcp', 'list'], { cwd, h, env: { SFDC_CLIENT_ID: sim.client_id } });
  assert.match(out, /Missing environment variables: SFDC_INSTANCE_URL/);
  assert.match(line(out), /✘ Failed to connect/);
});
