'use strict';
// The /__sim/ control interface.  Every call needs X-Sim-Secret: the
// server under test shares the port, and must never be able to drive it.

const crypto = require('node:crypto');
const { getObject } = require('./schema');
const { fmtValue } = require('./soql');

const ok = (body = { ok: true }) => ({ status: 200, body });
const fail = (status, message) => ({ status, body: { error: message } });

function secretOk(sim, given) {
  const a = Buffer.from(String(given || ''));
  const b = Buffer.from(sim.controlSecret);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function orgState(sim) {
  return {
    last_stage_change_from: sim.cfg.lastStageChangeFrom, never_moved_pct: sim.cfg.neverMovedPct,
    currency: sim.cfg.currency, currencies: sim.cfg.currencies,
    is_sandbox: orgRow(sim).IsSandbox, org_type: orgRow(sim).OrganizationType,
  };
}

function orgRow(sim) {
  return sim.db.tables.Organization.records[0] || {};
}

function handle(sim, method, path, search, headers, bodyText) {
  if (!secretOk(sim, headers['x-sim-secret'])) return fail(403, 'X-Sim-Secret required');
  let body = null;
  if (bodyText) {
    try { body = JSON.parse(bodyText); } catch { return fail(400, 'body must be JSON'); }
  }
  const p = path.replace(/^\/__sim\//, '').replace(/\/$/, '');
  const key = `${method} ${p}`;
  switch (key) {
    case 'POST faults': {
      if (!body || typeof body.action !== 'object' || body.action === null) return fail(400, 'action is required');
      const a = body.action;
      if (!(a.status || a.delay_ms || a.reset === 'before' || a.reset === 'after' || a.truncate)) {
        return fail(400, 'action needs status, delay_ms, reset (before|after) or truncate');
      }
      const f = { match: body.match || {}, count: Number.isInteger(body.count) ? body.count : 1, action: a };
      sim.faults.push(f);
      return ok({ ok: true, pending: sim.faults.length });
    }
    case 'GET faults': return ok(sim.faults);
    case 'DELETE faults': sim.faults = []; return ok();
    case 'POST expire-tokens': sim.auth.expireAccess(); return ok();
    case 'POST revoke-refresh': sim.auth.revokeRefresh(); return ok();
    case 'GET options':
      return ok({ refuse_with: sim.cfg.refuseWith, refuse_with_code: sim.cfg.refuseWithCode });
    case 'POST options': {
      // Per test: what this org refuses (see refuseClause in soql.js).
      if (!body) return fail(400, 'body must be JSON');
      if ('refuse_with' in body) {
        const v = body.refuse_with;
        if (!Array.isArray(v) || !v.every((w) => w === 'SECURITY_ENFORCED' || w === 'USER_MODE')) {
          return fail(400, 'refuse_with is a list of SECURITY_ENFORCED and USER_MODE');
        }
        sim.cfg.refuseWith = v;
      }
      if ('refuse_with_code' in body) {
        if (typeof body.refuse_with_code !== 'string' || !/^[A-Z_]{1,64}$/.test(body.refuse_with_code)) {
          return fail(400, 'refuse_with_code is an errorCode such as MALFORMED_QUERY');
        }
        sim.cfg.refuseWithCode = body.refuse_with_code;
      }
      return ok({ refuse_with: sim.cfg.refuseWith, refuse_with_code: sim.cfg.refuseWithCode });
    }
    case 'POST reset':
      sim.db = sim.makeDb();
      sim.apiCalls = 0;
      sim.auth.reset();
      sim.cursors.clear();
      sim.faults = [];
      return ok();
    case 'GET org': return ok(orgState(sim));
    case 'POST org': {
      // The org's shape for the tests that follow.  never_moved_pct
      // regenerates the data (as POST reset does, keeping the counters).
      const b = body || {};
      const intIn = (v, lo, hi) => Number.isInteger(v) && v >= lo && v <= hi;
      if (b.last_stage_change_from !== undefined && !intIn(b.last_stage_change_from, 0, 1000)) return fail(400, 'last_stage_change_from: an API version number, 0 for always');
      if (b.never_moved_pct !== undefined && !intIn(b.never_moved_pct, 0, 100)) return fail(400, 'never_moved_pct: 0..100');
      const curOk = (c) => c === null || (Array.isArray(c) && c.length >= 2 && c[0].rate === 1
        && c.every((x) => x && /^[A-Z]{3}$/.test(x.iso) && typeof x.rate === 'number' && x.rate > 0));
      if (b.currencies !== undefined && !curOk(b.currencies)) return fail(400, 'currencies: null, or [{iso, rate}, ...], the first (corporate) at rate 1');
      if (b.currency !== undefined && !/^[A-Z]{3}$/.test(String(b.currency))) return fail(400, 'currency: an ISO code');
      if (b.is_sandbox !== undefined && typeof b.is_sandbox !== 'boolean') return fail(400, 'is_sandbox: true or false');
      const editions = ['Developer Edition', 'Enterprise Edition', 'Unlimited Edition', 'Professional Edition', 'Performance Edition'];
      if (b.org_type !== undefined && !editions.includes(b.org_type)) return fail(400, `org_type: one of ${editions.join(', ')}`);
      if (b.last_stage_change_from !== undefined) sim.cfg.lastStageChangeFrom = b.last_stage_change_from;
      let regen = false;
      if (b.never_moved_pct !== undefined && b.never_moved_pct !== sim.cfg.neverMovedPct) { sim.cfg.neverMovedPct = b.never_moved_pct; regen = true; }
      if (b.currencies !== undefined) { sim.cfg.currencies = b.currencies; regen = true; }
      if (b.currency !== undefined) { sim.cfg.currency = b.currency; regen = true; }
      if (regen) {
        sim.db = sim.makeDb();
        sim.cursors.clear();
      }
      // The edition and sandbox flag are the Organization row's own: set
      // after any regeneration, kept until POST reset.
      if (b.is_sandbox !== undefined) orgRow(sim).IsSandbox = b.is_sandbox;
      if (b.org_type !== undefined) orgRow(sim).OrganizationType = b.org_type;
      return ok(orgState(sim));
    }
    case 'GET log': return ok(sim.log);
    case 'DELETE log': sim.log = []; return ok();
    case 'GET state':
      return ok({
        api_calls: sim.apiCalls, api_limit: sim.cfg.apiLimit, access_tokens: sim.auth.access.size,
        refresh_tokens: sim.auth.refresh.size, faults_pending: sim.faults.length, cursors: sim.cursors.size,
      });
    case 'GET tokens':
      // Every token the org would accept now: lets a test look for the
      // ones a client was given without seeing its traffic.
      return ok({ access: [...sim.auth.access.keys()], refresh: [...sim.auth.refresh.keys()] });
    case 'POST state':
      // Lets a test put the org near its daily allocation.
      if (body && Number.isInteger(body.api_calls)) sim.apiCalls = body.api_calls;
      return ok({ api_calls: sim.apiCalls });
    default: break;
  }
  const m = /^records\/([A-Za-z0-9_]+)$/.exec(p);
  if (m && method === 'GET') {
    const obj = getObject(m[1]);
    if (!obj) return fail(404, 'no such object');
    const types = obj.fields.map((f) => [f.name, f.type]);
    return ok(sim.db.tables[obj.name].records.map((r) => {
      const o = { attributes: { type: obj.name } };
      for (const [n, t] of types) o[n] = fmtValue(t, r[n] === undefined ? null : r[n]);
      return o;
    }));
  }
  return fail(404, 'unknown control call');
}

module.exports = { handle };
