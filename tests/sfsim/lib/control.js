'use strict';
// The /__sim/ control interface.  Every call needs X-Sim-Secret: the
// server under test shares the port, and must never be able to drive it.

const crypto = require('node:crypto');
const { getObject, STAGES } = require('./schema');
const ids = require('./ids');
const { DROP_WITH_CONTENT } = require('./notes');
const { fmtValue } = require('./soql');
const { zoneValid } = require('./dates');

const ok = (body = { ok: true }) => ({ status: 200, body });
const fail = (status, message) => ({ status, body: { error: message } });

function secretOk(sim, given) {
  const a = Buffer.from(String(given || ''));
  const b = Buffer.from(sim.controlSecret);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function orgState(sim) {
  const c = sim.cfg;
  return {
    last_stage_change_from: c.lastStageChangeFrom, never_moved_pct: c.neverMovedPct, inactive_stages: c.inactiveStages || [],
    currency: c.currency, currencies: c.currencies, user_time_zone: c.userTimeZone, stage_history: c.stageHistory, dated_rates: c.datedRates,
    is_sandbox: orgRow(sim).IsSandbox, org_type: orgRow(sim).OrganizationType,
    audit_object: c.auditObject, audit_failed: c.auditFailed, audit_attempt_id: c.auditAttemptId, audit_error: c.auditError,
    readonly_field: c.readonlyField, validation_rules: c.validationRules, field_overrides: c.fieldOverrides,
    locked_ids: c.lockedIds, null_reference: c.nullReference, precondition_error_code: c.preconditionErrorCode,
    invalid_header_code: c.invalidHeaderCode, collate_order: c.collateOrder, note_keep_tags: c.noteKeepTags,
  };
}

function orgRow(sim) {
  return sim.db.tables.Organization.records[0] || {};
}

const SUB_ERRORS = ['validation', 'lock', 'fls', 'value'];
const OVERRIDE_KEYS = ['nillable', 'restricted', 'updateable'];

/**
 * The write-path part of POST /__sim/org: checks everything first, then
 * applies; returns an error message or null.
 */
function writeOptions(sim, b) {
  const bool = (k) => b[k] === undefined || typeof b[k] === 'boolean';
  for (const k of ['audit_object', 'audit_failed', 'audit_attempt_id', 'audit_error', 'readonly_field']) {
    if (!bool(k)) return `${k}: true or false`;
  }
  const vr = b.validation_rules;
  if (vr !== undefined) {
    if (!Array.isArray(vr) || vr.length > 20) return 'validation_rules: a list of at most 20 {object, field, contains, message}';
    for (const r of vr) {
      const o = r && getObject(r.object);
      if (!o || o.name !== r.object || !o.fieldMap.has(String(r.field).toLowerCase())
        || typeof r.contains !== 'string' || r.contains === '' || typeof r.message !== 'string' || r.message === '') {
        return 'validation_rules: each {object, field, contains, message}, an existing object and field, non-empty texts';
      }
    }
  }
  const fo = b.field_overrides;
  if (fo !== undefined) {
    if (!fo || typeof fo !== 'object' || Array.isArray(fo)) return 'field_overrides: {"Object.Field": {nillable?, restricted?, updateable?}}';
    for (const [k, v] of Object.entries(fo)) {
      const [on, fn] = k.split('.');
      const o = getObject(on);
      if (!o || o.name !== on || !fn || !o.fieldMap.has(fn.toLowerCase()) || o.fieldMap.get(fn.toLowerCase()).name !== fn) return `field_overrides: no field ${k}`;
      if (!v || typeof v !== 'object' || !Object.keys(v).length || !Object.entries(v).every(([x, y]) => OVERRIDE_KEYS.includes(x) && typeof y === 'boolean')) {
        return `field_overrides.${k}: {nillable?, restricted?, updateable?} with boolean values`;
      }
      if (v.restricted && !o.fieldMap.get(fn.toLowerCase()).picklist) return `field_overrides.${k}: restricted needs a picklist field`;
    }
  }
  if (b.locked_ids !== undefined && (!Array.isArray(b.locked_ids) || b.locked_ids.length > 100 || !b.locked_ids.every((i) => ids.normalize(i)))) {
    return 'locked_ids: a list of at most 100 record ids';
  }
  if (b.null_reference !== undefined && b.null_reference !== 'error' && b.null_reference !== 'null') return 'null_reference: "error" or "null"';
  if (b.precondition_error_code !== undefined && !/^[A-Z_]{1,64}$/.test(String(b.precondition_error_code))) return 'precondition_error_code: an errorCode';
  if (b.invalid_header_code !== undefined && !/^[A-Z_]{1,64}$/.test(String(b.invalid_header_code))) return 'invalid_header_code: an errorCode';
  if (b.note_keep_tags !== undefined && b.note_keep_tags !== null && !(Array.isArray(b.note_keep_tags) && b.note_keep_tags.length <= 30
    && b.note_keep_tags.every((t) => typeof t === 'string' && /^[a-z][a-z0-9]{0,15}$/.test(t) && !DROP_WITH_CONTENT.includes(t)))) {
    return 'note_keep_tags: null (the default list) or at most 30 lower-case tag names, none of script, style, iframe, object, embed, noscript, template';
  }
  const METHODS = ['GET', 'PATCH', 'PUT', 'DELETE', 'POST'];
  if (b.collate_order !== undefined && !(Array.isArray(b.collate_order) && b.collate_order.length === 5
    && METHODS.every((m) => b.collate_order.includes(m)))) return `collate_order: the five methods ${METHODS.join(', ')} in the order collated subrequests run`;
  const c = sim.cfg;
  if (b.audit_object !== undefined) c.auditObject = b.audit_object;
  if (b.audit_failed !== undefined) c.auditFailed = b.audit_failed;
  if (b.audit_attempt_id !== undefined) c.auditAttemptId = b.audit_attempt_id;
  if (b.audit_error !== undefined) c.auditError = b.audit_error;
  if (b.readonly_field !== undefined) c.readonlyField = b.readonly_field;
  if (vr !== undefined) c.validationRules = vr.map((r) => ({ object: r.object, field: getObject(r.object).fieldMap.get(r.field.toLowerCase()).name, contains: r.contains, message: r.message }));
  if (fo !== undefined) c.fieldOverrides = fo;
  if (b.locked_ids !== undefined) c.lockedIds = b.locked_ids.map((i) => ids.normalize(i));
  if (b.null_reference !== undefined) c.nullReference = b.null_reference;
  if (b.precondition_error_code !== undefined) c.preconditionErrorCode = b.precondition_error_code;
  if (b.invalid_header_code !== undefined) c.invalidHeaderCode = b.invalid_header_code;
  if (b.collate_order !== undefined) c.collateOrder = b.collate_order.slice();
  if (b.note_keep_tags !== undefined) c.noteKeepTags = b.note_keep_tags === null ? null : b.note_keep_tags.slice();
  return null;
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
      const sub = body.match && body.match.subrequest;
      if (sub !== undefined) {
        if (!sub || typeof sub !== 'object' || Array.isArray(sub)) return fail(400, 'match.subrequest: {method?, object?, id?, field?, url_contains?}');
        if (!(SUB_ERRORS.includes(a.error) || (typeof a.errorCode === 'string' && /^[A-Z_]{1,64}$/.test(a.errorCode)))) {
          return fail(400, `a subrequest fault's action needs error (${SUB_ERRORS.join(', ')}) or errorCode`);
        }
        if (a.status !== undefined && !(Number.isInteger(a.status) && a.status >= 400 && a.status <= 599)) return fail(400, 'action.status: 400..599');
      } else if (!(a.status || a.delay_ms || a.reset === 'before' || a.reset === 'after' || a.truncate)) {
        return fail(400, 'action needs status, delay_ms, reset (before|after) or truncate');
      }
      if (a.after_close !== undefined && (a.after_close !== 'process' || !a.delay_ms)) return fail(400, 'after_close: "process", with delay_ms');
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
      const stageNames = STAGES.map((x) => x[0]);
      if (b.inactive_stages !== undefined && !(Array.isArray(b.inactive_stages) && b.inactive_stages.every((x) => stageNames.includes(x)))) {
        return fail(400, `inactive_stages: a list of StageName values (${stageNames.join(', ')})`);
      }
      const datedOk = (d) => d === null || (Array.isArray(d) && d.length > 0 && d.length <= 100 && d.every((x) => x && /^[A-Z]{3}$/.test(x.iso)
        && typeof x.rate === 'number' && x.rate > 0 && /^\d{4}-\d{2}-\d{2}$/.test(String(x.start))));
      if (b.dated_rates !== undefined && !datedOk(b.dated_rates)) return fail(400, 'dated_rates: null, or [{iso, rate, start: YYYY-MM-DD}, ...] (at most 100)');
      if (b.stage_history !== undefined && !['opportunity', 'field', 'both'].includes(b.stage_history)) return fail(400, 'stage_history: opportunity, field or both');
      if (b.user_time_zone !== undefined && !zoneValid(b.user_time_zone)) return fail(400, 'user_time_zone: a time zone name (TimeZoneSidKey, e.g. America/Los_Angeles)');
      const wErr = writeOptions(sim, b);
      if (wErr) return fail(400, wErr);
      if (b.last_stage_change_from !== undefined) sim.cfg.lastStageChangeFrom = b.last_stage_change_from;
      if (b.stage_history !== undefined) sim.cfg.stageHistory = b.stage_history;
      if (b.inactive_stages !== undefined) sim.cfg.inactiveStages = b.inactive_stages.slice();
      let regen = false;
      if (b.never_moved_pct !== undefined && b.never_moved_pct !== sim.cfg.neverMovedPct) { sim.cfg.neverMovedPct = b.never_moved_pct; regen = true; }
      if (b.currencies !== undefined) { sim.cfg.currencies = b.currencies; regen = true; }
      if (b.currency !== undefined) { sim.cfg.currency = b.currency; regen = true; }
      if (b.dated_rates !== undefined) { sim.cfg.datedRates = b.dated_rates; regen = true; }
      if (regen) {
        sim.db = sim.makeDb();
        sim.cursors.clear();
      }
      // The edition and sandbox flag are the Organization row's own: set
      // after any regeneration, kept until POST reset.
      if (b.is_sandbox !== undefined) orgRow(sim).IsSandbox = b.is_sandbox;
      if (b.user_time_zone !== undefined) {
        sim.cfg.userTimeZone = b.user_time_zone;
        sim.db.integrationUser.TimeZoneSidKey = b.user_time_zone;
      }
      if (b.org_type !== undefined) orgRow(sim).OrganizationType = b.org_type;
      return ok(orgState(sim));
    }
    case 'GET history': {
      // The per-field change log: every committed change a request made,
      // oldest first; ?object= and ?id= filter.
      const o = search.get('object');
      const id = search.get('id') && ids.normalize(search.get('id'));
      return ok(sim.db.history.filter((h) => (!o || h.object === o) && (!id || h.id === id))
        .map((h) => {
          const t = getObject(h.object).fieldMap.get(h.field.toLowerCase()).type;
          return { ...h, ts: new Date(h.ts).toISOString(), old: fmtValue(t, h.old), new: fmtValue(t, h.new) };
        }));
    }
    case 'DELETE history': sim.db.history = []; return ok();
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
