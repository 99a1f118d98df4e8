#!/usr/bin/env node
// make check-org: the end-to-end tests of tests/org/ against a real org
// (tests/org/org.mjs names the variables).  Without them: one TAP SKIP
// line with the reason, status 0.  An org that is neither a sandbox nor
// a Developer Edition (Organization.IsSandbox, OrganizationType) is
// refused, status 1, unless SFDC_ORG_ALLOW_PRODUCTION=1.
// CHECK_ORG_GATE_ONLY=1 stops after that decision (the simulator's
// test of it, tests/e2e/check_org.test.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { orgConfig, orgToken, orgInfo, refusal } from './org.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const cfg = orgConfig();
if (cfg.skip) {
  console.log(`1..0 # SKIP ${cfg.skip}`);
  process.exit(0);
}
if (cfg.error) {
  console.error(`check-org: ${cfg.error}`);
  process.exit(1);
}
let info;
try {
  info = await orgInfo(cfg, await orgToken(cfg));
} catch (e) {
  console.error(`check-org: ${e.message}`);
  process.exit(1);
}
const why = refusal(info, cfg.allowProduction);
if (why) {
  console.error(`check-org: ${why}`);
  process.exit(1);
}
const kind = info.IsSandbox ? 'a sandbox' : info.OrganizationType === 'Developer Edition' ? 'a Developer Edition' : `"${info.OrganizationType}" (SFDC_ORG_ALLOW_PRODUCTION=1)`;
console.error(`check-org: ${info.Name} (${info.Id}) at ${cfg.instance}, ${kind}`);
if (process.env.CHECK_ORG_GATE_ONLY === '1') {
  console.log(`1..0 # SKIP CHECK_ORG_GATE_ONLY: would run against ${info.Id}`);
  process.exit(0);
}
const files = readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join(here, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
