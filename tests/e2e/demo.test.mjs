// The README's first command ends in tests/demo.mjs: run it as the
// README does, so that a broken demo fails the suite (startSim(): it
// needs the simulator, and so npm modules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { BIN, srcdir } from './lib.mjs';

test('the demo runs against the simulator and shows each answer', async () => {
  const p = spawn(process.execPath, [join(srcdir, 'tests', 'demo.mjs'), BIN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((r) => p.once('exit', r));
  assert.equal(code, 0, err);
  for (const heading of ['What is in the pipeline', 'commit deals are at risk', 'stuck in their stage',
    'Ten biggest open deals', 'refused before anything is sent', 'dry_run shows the exact request',
    'update_field with its justification', 'add_note: a ContentNote', 'sfrevops-mcp check', 'sfrevops-mcp audit-report']) {
    assert.ok(out.includes(heading), heading);
  }
  assert.match(out, /^total\t\d+\t\d+/m, 'the pipeline has a totals line');
  assert.match(out, /query refused: ';' is not allowed/);
  assert.match(out, /^Updated Opportunity \S+ NextStep: /m, 'the justified update was applied');
  assert.match(out, /argument 'justification' must be between 10 and 2000 characters/, 'the short one was refused');
  assert.match(out, /^OK: 0 of \d+ checks failed/m, 'check passed');
  assert.match(out, /0 disagreements/, 'the journal and the org agree');
});
