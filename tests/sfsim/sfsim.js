#!/usr/bin/env node
'use strict';
// sfsim: a Salesforce REST API simulator over real TLS on loopback.
//
//   node tests/sfsim/sfsim.js --dir DIR [--port N] [--seed N]
//        [--opportunities N] [--today YYYY-MM-DD] [--token-ttl SECONDS]
//        [--rotate-refresh] [--api-limit N] [--verbose]
//        [--fls-error-code CODE] [--semi-join-error-code CODE]
//        [--last-stage-change-from VERSION] [--never-moved-pct N]
//        [--currency ISO] [--currencies ISO:RATE,ISO:RATE,...]
//        [--refuse-with SECURITY_ENFORCED,USER_MODE]
//        [--no-audit-object] [--audit-fields failed,attempt_id,error|none]
//        [--null-reference error|null] [--user-time-zone ZONE]
//        [--stage-history opportunity|field|both]
//        [--dated-rates ISO:RATE@YYYY-MM-DD,...]
//
// Prints one JSON line on stdout when ready (see README.md), then nothing
// else on stdout.  Exits 0 on stdin EOF, SIGTERM or SIGINT.

const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const ids = require('./lib/ids');
const { generate, INTEGRATION_USERNAME } = require('./lib/data');
const { Auth } = require('./lib/oauth');
const { Sim, createServer } = require('./lib/server');
const { dayNum, DAY, zoneValid } = require('./lib/dates');

/** "SECURITY_ENFORCED,USER_MODE" (either, both, or "none"). */
function parseRefuseWith(v, fail) {
  if (v === 'none') return [];
  const list = String(v).split(',');
  for (const w of list) if (w !== 'SECURITY_ENFORCED' && w !== 'USER_MODE') fail('--refuse-with takes SECURITY_ENFORCED, USER_MODE, both comma-separated, or none');
  return list;
}

function usage(msg) {
  process.stderr.write(`sfsim: ${msg}\n`);
  process.exit(2);
}

/** "EUR:1,USD:1.1" -> [{iso, rate}], the first the corporate one at 1; null if malformed. */
function parseCurrencies(text) {
  const out = [];
  for (const part of String(text).split(',')) {
    const m = /^([A-Z]{3}):(\d+(?:\.\d+)?)$/.exec(part.trim());
    if (!m || Number(m[2]) <= 0 || out.some((c) => c.iso === m[1])) return null;
    out.push({ iso: m[1], rate: Number(m[2]) });
  }
  return out.length >= 2 && out[0].rate === 1 ? out : null;
}

/** "USD:1.1@2026-01-01,..." -> [{iso, rate, start}]; null if malformed. */
function parseDatedRates(text) {
  const out = [];
  for (const part of String(text).split(',')) {
    const m = /^([A-Z]{3}):(\d+(?:\.\d+)?)@(\d{4}-\d{2}-\d{2})$/.exec(part.trim());
    if (!m || Number(m[2]) <= 0 || Number.isNaN(Date.parse(m[3] + 'T00:00:00Z'))) return null;
    out.push({ iso: m[1], rate: Number(m[2]), start: m[3] });
  }
  return out.length ? out : null;
}

function parseArgs(argv) {
  const o = {
    dir: null, port: 0, seed: 1, opportunities: 600, today: new Date().toISOString().slice(0, 10),
    tokenTtl: 7200, rotateRefresh: false, apiLimit: 15000, verbose: false,
    flsErrorCode: 'INSUFFICIENT_ACCESS', semiJoinErrorCode: 'MALFORMED_QUERY',
    lastStageChangeFrom: 0, neverMovedPct: 0, currency: 'USD', currencies: null,
    refuseWith: [],
    auditObject: true, auditFields: ['failed'], nullReference: 'error', logMax: 10000,
    userTimeZone: 'GMT', stageHistory: 'opportunity', datedRates: null,
  };
  const num = (v, name) => {
    if (!/^\d+$/.test(String(v))) usage(`${name} needs a non-negative integer`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) usage(`${a} needs a value`); return argv[++i]; };
    switch (a) {
      case '--dir': o.dir = val(); break;
      case '--port': o.port = num(val(), a); break;
      case '--seed': o.seed = num(val(), a); break;
      case '--opportunities': o.opportunities = num(val(), a); break;
      case '--today': o.today = val(); if (!/^\d{4}-\d{2}-\d{2}$/.test(o.today)) usage('--today needs YYYY-MM-DD'); break;
      case '--token-ttl': o.tokenTtl = num(val(), a); break;
      case '--rotate-refresh': o.rotateRefresh = true; break;
      case '--api-limit': o.apiLimit = num(val(), a); break;
      case '--fls-error-code': o.flsErrorCode = val(); break;
      case '--semi-join-error-code': o.semiJoinErrorCode = val(); break;
      case '--last-stage-change-from': o.lastStageChangeFrom = num(val(), a); break;
      case '--never-moved-pct': o.neverMovedPct = num(val(), a); if (o.neverMovedPct > 100) usage(`${a} is a percentage`); break;
      case '--currency': o.currency = val(); if (!/^[A-Z]{3}$/.test(o.currency)) usage('--currency needs an ISO code'); break;
      case '--currencies': o.currencies = parseCurrencies(val()); if (!o.currencies) usage('--currencies needs ISO:RATE,... (the first, the corporate one, at rate 1)'); break;
      case '--refuse-with': o.refuseWith = parseRefuseWith(val(), usage); break;
      case '--no-audit-object': o.auditObject = false; break;
      case '--audit-fields': {
        const v = val();
        o.auditFields = v === 'none' ? [] : v.split(',');
        if (!o.auditFields.every((x) => ['failed', 'attempt_id', 'error'].includes(x))) usage('--audit-fields takes failed, attempt_id, error (comma-separated) or none');
        break;
      }
      case '--null-reference': o.nullReference = val(); if (o.nullReference !== 'error' && o.nullReference !== 'null') usage('--null-reference takes error or null'); break;
      case '--log-max': o.logMax = num(val(), a); if (o.logMax < 1 || o.logMax > 1000000) usage(`${a}: 1 to 1000000 entries`); break;
      case '--user-time-zone': o.userTimeZone = val(); if (!zoneValid(o.userTimeZone)) usage('--user-time-zone needs a time zone name (TimeZoneSidKey, e.g. America/Los_Angeles)'); break;
      case '--dated-rates': o.datedRates = parseDatedRates(val()); if (!o.datedRates) usage('--dated-rates needs ISO:RATE@YYYY-MM-DD,... (with --currencies)'); break;
      case '--stage-history': o.stageHistory = val(); if (!['opportunity', 'field', 'both'].includes(o.stageHistory)) usage('--stage-history takes opportunity, field or both'); break;
      case '--verbose': o.verbose = true; break;
      default: usage(`unknown option ${a}`);
    }
  }
  if (!o.dir) usage('--dir DIR is required');
  return o;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const verbose = opts.verbose ? (m) => process.stderr.write(`sfsim: ${m}\n`) : () => {};
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('sh', [path.join(__dirname, 'mkcerts.sh'), dir], { stdio: ['ignore', 'ignore', opts.verbose ? 'inherit' : 'pipe'] });

  const t0 = process.hrtime.bigint();
  // The org's shape (cfg) can change per test (POST /__sim/org); the data
  // follow it when regenerated.
  const cfg = {
    apiLimit: opts.apiLimit, defaultBatch: 2000, maxGroups: 2000, logMax: opts.logMax,
    flsErrorCode: opts.flsErrorCode, semiJoinErrorCode: opts.semiJoinErrorCode,
    lastStageChangeFrom: opts.lastStageChangeFrom, neverMovedPct: opts.neverMovedPct,
    currency: opts.currency, currencies: opts.currencies,
    // Advanced currency management: dated rates of the currencies.
    datedRates: opts.datedRates,
    refuseWith: opts.refuseWith, refuseWithCode: 'MALFORMED_QUERY',
    // The integration user's TimeZoneSidKey: date literals are evaluated in it.
    userTimeZone: opts.userTimeZone,
    // Which stage history the org lets the user query: OpportunityHistory,
    // OpportunityFieldHistory (field history tracking on StageName), both.
    stageHistory: opts.stageHistory,
    // The write path (POST /__sim/org): the audit object and its optional
    // fields, the org's rules and locks.
    auditObject: opts.auditObject, auditFailed: opts.auditFields.includes('failed'),
    auditAttemptId: opts.auditFields.includes('attempt_id'), auditError: opts.auditFields.includes('error'),
    readonlyField: false, validationRules: [], fieldOverrides: {}, lockedIds: [],
    nullReference: opts.nullReference, preconditionErrorCode: 'PRECONDITION_FAILED',
    invalidHeaderCode: 'INVALID_HEADER_TYPE', collateOrder: ['GET', 'PATCH', 'PUT', 'DELETE', 'POST'], noteKeepTags: null,
  };
  const makeDb = () => {
    const d = generate({
      seed: opts.seed, today: opts.today, opportunities: opts.opportunities, neverMovedPct: cfg.neverMovedPct,
      currencies: cfg.currencies, currency: cfg.currency, datedRates: cfg.datedRates,
    });
    d.integrationUser.TimeZoneSidKey = cfg.userTimeZone;
    return d;
  };
  const db = makeDb();
  const genMs = Number(process.hrtime.bigint() - t0) / 1e6;
  verbose(`generated ${opts.opportunities} opportunities in ${genMs.toFixed(0)} ms, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB`);

  const todayN = dayNum(opts.today);
  // The simulated clock: the chosen day, at the real time of day.
  const now = () => todayN * DAY + (Date.now() % DAY);
  const orgId = ids.make('00D', 1);
  const userId = db.integrationUser.Id;
  const clientId = '3MVG9' + crypto.randomBytes(30).toString('base64').replace(/[+/=]/g, 'x');
  const clientSecret = crypto.randomBytes(32).toString('hex').toUpperCase();
  const controlSecret = crypto.randomBytes(24).toString('hex');

  const sim = new Sim({
    db, makeDb, now, todayN, userId, controlSecret, verbose, url: 'https://127.0.0.1',
    cfg,
  });
  const server = createServer(sim, {
    key: fs.readFileSync(path.join(dir, 'server-key.pem')),
    cert: fs.readFileSync(path.join(dir, 'server.pem')),
  });
  server.keepAliveTimeout = 5000;

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    verbose('stopping');
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();

  server.listen(opts.port, '127.0.0.1', () => {
    const url = `https://127.0.0.1:${server.address().port}`;
    sim.url = url;
    sim.auth = new Auth({
      orgId, userId, username: INTEGRATION_USERNAME, clientId, clientSecret, loginUrl: url, instanceUrl: url,
      ttlSeconds: opts.tokenTtl, rotate: opts.rotateRefresh, jwtCertPem: fs.readFileSync(path.join(dir, 'jwt-cert.pem')),
    });
    const refresh = sim.auth.newRefresh(clientId);
    const access = sim.auth.newAccess(refresh);
    sim.auth.setInitial(access, refresh);
    const ready = {
      url, instance_url: url, login_url: url,
      ca_file: path.join(dir, 'ca.pem'),
      access_token: access, refresh_token: refresh, client_id: clientId, client_secret: clientSecret,
      username: INTEGRATION_USERNAME, user_id: userId, org_id: orgId,
      jwt_key_file: path.join(dir, 'jwt-key.pem'), jwt_cert_file: path.join(dir, 'jwt-cert.pem'),
      control_secret: controlSecret, api_version: 'v60.0', today: opts.today,
      opportunities: opts.opportunities, seed: opts.seed, generation_ms: Math.round(genMs), pid: process.pid,
    };
    process.stdout.write(JSON.stringify(ready) + '\n');
  });
}

main();
