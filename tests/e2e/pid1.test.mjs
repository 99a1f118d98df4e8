// The server as pid 1: in a container without an init, sfrevops-mcp is
// its namespace's first process, so its children's parent pid is 1.
// They used to take that for "the parent died" and exit.  Here the
// server runs as pid 1 of a new pid namespace (unshare --pid --fork
// --mount-proc, root only) and serves a real call against the simulator;
// a parent that dies still takes its children with it (PDEATHSIG).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, startSim, simEnv, rawTextOf, descendants } from './lib.mjs';

let why = process.getuid() !== 0 ? 'a new pid namespace needs root here' : false;
if (!why) {
  try {
    execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  } catch (e) {
    why = `unshare --pid --fork --mount-proc fails here: ${e.message.split('\n')[0]}`;
  }
}

let sim;
before(async () => { if (!why) sim = await startSim(); });
after(async () => { if (sim) await sim.stop(); });

test('as pid 1 of its namespace, the server starts its children and answers a call', { skip: why }, async () => {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  // The parent is exec'd as the namespace's pid 1 (unshare --fork execs
  // the command in the forked child, which is pid 1 there).
  const transport = new StdioClientTransport({
    command: 'unshare', args: ['--pid', '--fork', '--mount-proc', '--kill-child', BIN],
    env: simEnv(sim), stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr.on('data', (d) => { stderr += d; });
  const client = new Client({ name: 'pid1', version: '1.0.0' });
  try {
    await client.connect(transport);
    const res = await client.callTool({ name: 'query', arguments: { soql: 'SELECT Id, Name FROM Account ORDER BY Name LIMIT 2' } });
    assert.notEqual(res.isError, true, rawTextOf(res));
    assert.match(rawTextOf(res), /Account|Name/);
    assert.doesNotMatch(stderr, /started without a parent/);
    // The server was its namespace's pid 1 (NSpid: host pid, then 1),
    // and its three children, whose parent pid is therefore 1, serve.
    const tree = descendants(transport.pid);
    const nspid = (pid) => readFileSync(`/proc/${pid}/status`, 'utf8').match(/^NSpid:\s+(.*)$/m)[1].trim().split(/\s+/).map(Number);
    const server = tree.find((p) => p.cmd.split(' ')[0] === BIN || p.cmd.startsWith(`${BIN} `) || p.cmd === BIN);
    assert.ok(server, `the server in ${JSON.stringify(tree)}`);
    assert.deepEqual(nspid(server.pid).slice(-1), [1], 'the server is pid 1 of its namespace');
    const kids = tree.filter((p) => /sfrevops-mcp-(front|broker|writer)/.test(p.cmd));
    assert.equal(kids.length, 3, JSON.stringify(tree));
  } finally {
    await client.close();
  }
});
