'use strict';
// HTTPS front: routing, bearer auth, the API call counter, query paging,
// composite, fault injection and the request log.  Data-API handlers
// return {status, body, headers} so composite can run them in-process.

const https = require('node:https');
const zlib = require('node:zlib');
const ids = require('./ids');
const { getObject, describe, OBJECTS, fieldAbsent, objectAbsent } = require('./schema');
const { runQuery } = require('./soql');
const dml = require('./dml');
const { fmtValue } = require('./soql');
const { SfError } = require('./errors');
const control = require('./control');
const { zoneDay, zoneOffsetMs } = require('./dates');

const MIN_VERSION = 45;
const MAX_VERSION = 66;

function versionLabel(v) {
  const i = v - 45;
  return `${['Spring', 'Summer', 'Winter'][i % 3]} '${19 + Math.floor((i + 1) / 3)}`;
}

const err = (e) => ({ status: e.status, body: e.body() });
const notFound = () => err(new SfError(404, 'NOT_FOUND', 'The requested resource does not exist'));

function methodNotAllowed(method, allowed) {
  return err(new SfError(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed. Allowed are ${allowed}`));
}

/** Sforce-Query-Options: batchSize=N, clamped to Salesforce's 200..2000. */
function batchSize(headers, dflt) {
  const m = /batchSize\s*=\s*(\d+)/i.exec(headers['sforce-query-options'] || '');
  if (!m) return dflt;
  return Math.max(200, Math.min(2000, Number(m[1])));
}

class Sim {
  constructor(state) {
    Object.assign(this, state); // db, auth, cfg, makeDb, now, userId
    this.apiCalls = 0;
    this.faults = [];
    this.log = [];
    this.cursors = new Map();
    this.cursorSeq = 0;
    this.curEntry = null;   // the log entry of the request being answered
    this.inAllOrNone = false;
  }

  // ------------------------------------------------------------ queries

  /** TODAY for SOQL: the simulated now's day in the integration user's zone. */
  userToday() {
    return zoneDay(this.cfg.userTimeZone, this.now());
  }

  newCursor(c) {
    const id = ids.make('01g', ++this.cursorSeq, 'RO');
    this.cursors.set(id, c);
    // Keep memory bounded: forget the oldest locators.
    while (this.cursors.size > 100) this.cursors.delete(this.cursors.keys().next().value);
    return id;
  }

  queryPage(version, kind, c, offset, size, cursorId) {
    const total = c.records.length;
    const end = Math.min(total, offset + size);
    const body = { totalSize: total, done: end >= total };
    if (end < total) {
      const id = cursorId || this.newCursor(c);
      body.nextRecordsUrl = `/services/data/${version}/${kind}/${id}-${end}`;
    }
    const page = new Array(end - offset);
    for (let i = offset; i < end; i++) page[i - offset] = c.project(c.records[i]);
    body.records = page;
    return { status: 200, body };
  }

  query(version, kind, q, headers) {
    if (q === null || q === undefined) {
      return err(new SfError(400, 'MALFORMED_QUERY', 'A query string has to be specified'));
    }
    const res = runQuery(this.db, q, { cfg: this.cfg, version, today: this.userToday(), zone: this.cfg.userTimeZone });
    if (res.kind === 'count') return { status: 200, body: { totalSize: res.totalSize, done: true, records: [] } };
    if (res.kind === 'agg') {
      // GROUP BY results have no locator (salesforce.md 0.4).
      return { status: 200, body: { totalSize: res.records.length, done: true, records: res.records } };
    }
    return this.queryPage(version, kind, res, 0, batchSize(headers, this.cfg.defaultBatch), null);
  }

  queryMore(version, kind, locator, headers) {
    const m = /^(01g[0-9A-Za-z]{15})-(\d+)$/.exec(locator);
    const c = m && this.cursors.get(m[1]);
    if (!c || Number(m[2]) > c.records.length) {
      return err(new SfError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator'));
    }
    return this.queryPage(version, kind, c, Number(m[2]), batchSize(headers, this.cfg.defaultBatch), m[1]);
  }

  // ------------------------------------------------------------ records

  retrieve(version, objName, id, fieldsParam) {
    const { obj, rec } = dml.findRecord(this.db, objName, id);
    let fields = obj.fields.filter((f) => !f.hidden && !fieldAbsent(f, version, this.cfg));
    if (fieldsParam) {
      fields = fieldsParam.split(',').map((n) => n.trim()).filter(Boolean).map((n) => {
        const f = obj.fieldMap.get(n.toLowerCase());
        if (!f || f.hidden || fieldAbsent(f, version, this.cfg)) throw new SfError(400, 'INVALID_FIELD', `No such column '${n}' on sobject of type ${obj.name}`);
        return f;
      });
      if (!fields.some((f) => f.name === 'Id')) fields.push(obj.fieldMap.get('id'));
    }
    const out = { attributes: { type: obj.name, url: `/services/data/${version}/sobjects/${obj.name}/${rec.Id}` } };
    for (const f of fields) out[f.name] = fmtValue(f.type, rec[f.name] === undefined ? null : rec[f.name]);
    return { status: 200, body: out };
  }

  /** GET /services/oauth2/userinfo: the integration user and its org. */
  userinfo() {
    const u = this.db.get('User', this.userId) || {};
    const base = this.auth.instanceUrl;
    return {
      sub: `${this.auth.loginUrl}/id/${this.auth.orgId}/${this.userId}`,
      user_id: this.userId, organization_id: this.auth.orgId,
      preferred_username: u.Username, nickname: u.FirstName || u.Username, name: u.Name,
      email: u.Email, email_verified: true, given_name: u.FirstName, family_name: u.LastName,
      zoneinfo: u.TimeZoneSidKey || 'GMT', locale: u.LocaleSidKey || 'en_US',
      user_type: 'STANDARD', active: true, language: 'en_US', utcOffset: zoneOffsetMs(u.TimeZoneSidKey || 'GMT', this.now()),
      updated_at: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      is_app_installed: true,
      urls: {
        rest: `${base}/services/data/v{version}/`, sobjects: `${base}/services/data/v{version}/sobjects/`,
        query: `${base}/services/data/v{version}/query/`, profile: `${base}/${this.userId}`,
      },
    };
  }

  limits() {
    const max = this.cfg.apiLimit;
    const lim = (m, r) => ({ Max: m, Remaining: r });
    return {
      status: 200,
      body: {
        ConcurrentAsyncGetReportInstances: lim(200, 200),
        DailyApiRequests: lim(max, Math.max(0, max - this.apiCalls)),
        DailyAsyncApexExecutions: lim(250000, 250000),
        DailyBulkApiBatches: lim(15000, 15000),
        DailyBulkV2QueryJobs: lim(10000, 10000),
        DataStorageMB: lim(5, 4),
        FileStorageMB: lim(20, 20),
        HourlyODataCallout: lim(10000, 10000),
        SingleEmail: lim(15, 15),
      },
    };
  }

  /** A data-API request below /services/data/vNN.N. */
  data(method, version, rest, search, headers, body) {
    const env = { now: this.now, userId: this.userId, cfg: this.cfg, version };
    const parts = rest.split('/').filter((p, i, a) => p !== '' || i < a.length - 1).map(decodeURIComponent);
    if (rest === '' || rest === '/') {
      if (method !== 'GET') return methodNotAllowed(method, 'GET,HEAD');
      const base = `/services/data/${version}`;
      const r = {};
      for (const k of ['tooling', 'metadata', 'eclair', 'folders', 'prechatForms', 'jsonxform', 'chatter', 'tabs', 'appMenu', 'quickActions', 'queryAll', 'commerce', 'wave', 'analytics', 'search', 'identity', 'composite', 'parameterizedSearch', 'theme', 'nouns', 'event', 'serverside', 'recent', 'connect', 'licensing', 'limits', 'process', 'async-queries', 'query', 'match', 'puppet', 'emailConnect', 'sobjects', 'actions', 'support']) r[k] = `${base}/${k}`;
      r.identity = `${this.auth.loginUrl}/id/${this.auth.orgId}/${this.userId}`;
      return { status: 200, body: r };
    }
    const [head, a, b, c] = parts;
    if (head === 'limits' && parts.length === 1) {
      return method === 'GET' ? this.limits() : methodNotAllowed(method, 'GET,HEAD');
    }
    if ((head === 'query' || head === 'queryAll') && parts.length <= 2) {
      if (method !== 'GET') return methodNotAllowed(method, 'GET,HEAD');
      if (a) return this.queryMore(version, head, a, headers);
      return this.query(version, head, search.get('q'), headers);
    }
    if (head === 'composite' && parts.length === 1) {
      if (method !== 'POST') return methodNotAllowed(method, 'POST');
      return this.composite(version, body, headers);
    }
    if (head === 'composite' && a === 'sobjects' && parts.length === 2) {
      if (method !== 'POST' && method !== 'PATCH') return methodNotAllowed(method, 'POST,PATCH,DELETE,GET');
      return this.collections(method, version, body, env);
    }
    if (head === 'sobjects') {
      if (parts.length === 1) {
        if (method !== 'GET') return methodNotAllowed(method, 'GET,HEAD');
        return {
          status: 200,
          body: {
            encoding: 'UTF-8', maxBatchSize: 200,
            sobjects: Object.values(OBJECTS).filter((o) => !objectAbsent(o, version, this.cfg)).map((o) => {
              const d = describe(o, version, this.cfg);
              delete d.fields; delete d.childRelationships; delete d.recordTypeInfos;
              return d;
            }),
          },
        };
      }
      const obj = getObject(a);
      if (!obj || objectAbsent(obj, version, this.cfg)) return notFound();
      if (parts.length === 2) {
        if (method === 'GET') {
          const d = describe(obj, version, this.cfg);
          delete d.fields; delete d.childRelationships; delete d.recordTypeInfos;
          return { status: 200, body: { objectDescribe: d, recentItems: [] } };
        }
        if (method === 'POST') {
          const id = dml.create(this.db, obj.name, body, env);
          return { status: 201, body: { id, success: true, errors: [] }, headers: { Location: `/services/data/${version}/sobjects/${obj.name}/${id}` } };
        }
        return methodNotAllowed(method, 'GET,HEAD,POST');
      }
      if (parts.length === 3 && b === 'describe') {
        return method === 'GET' ? { status: 200, body: describe(obj, version, this.cfg) } : methodNotAllowed(method, 'GET,HEAD');
      }
      if (parts.length === 3) {
        if (method === 'GET') return this.retrieve(version, obj.name, b, search.get('fields'));
        if (method === 'PATCH') {
          const pre = this.precondition(obj.name, b, headers);
          if (pre) return pre;
          dml.update(this.db, obj.name, b, body, env);
          return { status: 204, body: null };
        }
        if (method === 'DELETE') { dml.remove(this.db, obj.name, b, env); return { status: 204, body: null }; }
        return methodNotAllowed(method, 'GET,HEAD,PATCH,DELETE');
      }
      void c;
    }
    return notFound();
  }

  /** Run one data request, turning thrown SfErrors into responses. */
  safeData(method, version, rest, search, headers, body) {
    try {
      return this.data(method, version, rest, search, headers, body);
    } catch (e) {
      if (e instanceof SfError) return err(e);
      throw e;
    }
  }

  /**
   * If-Unmodified-Since on a PATCH of sObject Rows ("Conditional Request
   * Headers", REST API Developer Guide): 412 when the record's
   * LastModifiedDate is after the date (HTTP-dates have one-second
   * resolution); an invalid value is 400.  The bodies are a GUESS.
   */
  precondition(objName, id, headers) {
    const v = headers['if-unmodified-since'];
    if (v === undefined) return null;
    const when = parseHttpDate(v);
    if (when === null) {
      return err(new SfError(400, this.cfg.invalidHeaderCode || 'INVALID_HEADER_TYPE', `If-Unmodified-Since: invalid HTTP-date: ${String(v).slice(0, 64)}`));
    }
    const { rec } = dml.findRecord(this.db, objName, id);
    const lm = rec.LastModifiedDate;
    if (typeof lm === 'number' && Math.floor(lm / 1000) > Math.floor(when / 1000)) {
      return err(new SfError(412, this.cfg.preconditionErrorCode || 'PRECONDITION_FAILED',
        `The record was modified after ${v}: LastModifiedDate ${new Date(lm).toISOString()}`));
    }
    return null;
  }

  /**
   * sObject Collections create (POST) and update (PATCH): up to 200
   * records, each answered {id, success, errors}; allOrNone rolls all
   * back, the others answering ALL_OR_NONE_OPERATION_ROLLED_BACK
   * ("sObject Collections", REST API Developer Guide).
   */
  collections(method, version, body, env) {
    if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
      return err(new SfError(400, 'JSON_PARSER_ERROR', 'records is required'));
    }
    const recs = body.records;
    if (recs.length > 200) {
      return err(new SfError(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call'));
    }
    const allOrNone = body.allOrNone === true || this.inAllOrNone === true;
    const out = [];
    const nested = this.db.undo !== null;
    if (allOrNone && !nested) this.db.begin();
    let failed = false;
    for (const r of recs) {
      try {
        if (!r || typeof r !== 'object' || !r.attributes || typeof r.attributes.type !== 'string') {
          throw new SfError(400, 'INVALID_FIELD', 'No type provided for the record: each record needs attributes.type');
        }
        const obj = getObject(r.attributes.type);
        if (!obj || objectAbsent(obj, version, this.cfg)) throw new SfError(400, 'INVALID_TYPE', `sObject type '${r.attributes.type}' is not supported.`);
        const fields = { ...r };
        delete fields.attributes;
        if (method === 'POST') {
          if ('id' in fields || 'Id' in fields) throw new SfError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
          out.push({ id: dml.create(this.db, obj.name, fields, env), success: true, errors: [] });
        } else {
          const id = fields.id || fields.Id;
          delete fields.id; delete fields.Id;
          if (!id) throw new SfError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
          dml.update(this.db, obj.name, id, fields, env);
          out.push({ id: ids.normalize(id), success: true, errors: [] });
        }
      } catch (e) {
        if (!(e instanceof SfError)) { if (allOrNone && !nested) this.db.rollback(); throw e; }
        const b = e.body()[0];
        out.push({ success: false, errors: [{ statusCode: b.errorCode, message: b.message, fields: b.fields || [] }] });
        failed = true;
        if (allOrNone) break;
      }
    }
    if (allOrNone && failed) {
      if (!nested) this.db.rollback();
      const rolled = { success: false, errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }] };
      const final = recs.map((_, i) => (i < out.length && !out[i].success ? out[i] : rolled));
      // Inside a composite with allOrNone the whole transaction goes.
      return { status: nested ? 400 : 200, body: final };
    }
    if (allOrNone && !nested) this.db.commit();
    return { status: 200, body: out };
  }

  // ------------------------------------------------------------ composite

  composite(version, body) {
    const bad = (msg, code = 'INVALID_API_INPUT') => err(new SfError(400, code, msg));
    if (!body || typeof body !== 'object' || !Array.isArray(body.compositeRequest)) {
      return bad('compositeRequest is required', 'JSON_PARSER_ERROR');
    }
    const subs = body.compositeRequest;
    if (subs.length > 25) return bad(`Limit Exceeded: the composite request has ${subs.length} subrequests; the maximum is 25`);
    if (body.allOrNone !== undefined && typeof body.allOrNone !== 'boolean') return bad('allOrNone must be a boolean', 'JSON_PARSER_ERROR');
    if (body.collateSubrequests !== undefined && typeof body.collateSubrequests !== 'boolean') return bad('collateSubrequests must be a boolean', 'JSON_PARSER_ERROR');
    const seen = new Set();
    let heavy = 0;
    for (const s of subs) {
      if (!s || typeof s !== 'object' || typeof s.url !== 'string' || typeof s.referenceId !== 'string') {
        return bad('Each subrequest needs method, url and referenceId', 'JSON_PARSER_ERROR');
      }
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(s.method)) return bad(`Invalid HTTP method: ${s.method}`);
      if (seen.has(s.referenceId)) return bad(`Duplicate referenceId provided in the request: ${s.referenceId}`);
      seen.add(s.referenceId);
      if (s.httpHeaders !== undefined && (s.httpHeaders === null || typeof s.httpHeaders !== 'object' || Array.isArray(s.httpHeaders))) {
        return bad(`httpHeaders of ${s.referenceId} must be an object`, 'JSON_PARSER_ERROR');
      }
      for (const [h, hv] of Object.entries(s.httpHeaders || {})) {
        if (['authorization', 'accept', 'content-type'].includes(h.toLowerCase())) {
          return bad(`The ${h} header isn't allowed in a composite subrequest`);
        }
        if (typeof hv !== 'string') return bad(`The value of the ${h} header of ${s.referenceId} must be a string`, 'JSON_PARSER_ERROR');
      }
      // At most 5 query or sObject Collections subrequests
      // (resources_composite_composite_post; salesforce.md 11).
      if (/^\/services\/data\/v\d+\.\d+\/(query|queryAll|composite\/sobjects)(\/|\?|$)/.test(s.url)) heavy++;
    }
    if (heavy > 5) return bad(`Limit Exceeded: the composite request has ${heavy} query or sObject Collections subrequests; the maximum is 5`);
    const allOrNone = body.allOrNone === true;
    // collateSubrequests: default true from v49.0, false in v48.0 (Composite
    // Request Body).  With true the order of unrelated subrequests is not
    // guaranteed; sfsim's order (a GUESS, README.md) runs the collatable
    // ones (no reference to or from another subrequest, no httpHeaders)
    // first, grouped by method in the order GET, PATCH, PUT, DELETE, POST,
    // then the others in the order received.
    const collate = body.collateSubrequests !== undefined ? body.collateSubrequests : versionNum(version) >= 49;
    const order = executionOrder(subs, collate, this.cfg.collateOrder);
    const logged = this.curEntry;
    this.curEntry = null;
    const trace = logged ? {
      allOrNone, collateSubrequests: collate,
      subrequests: subs.map((s) => ({ method: s.method, url: s.url, referenceId: s.referenceId, body: s.body === undefined ? null : s.body, httpHeaders: s.httpHeaders || {}, status: null })),
      order: [],
    } : null;
    if (logged) logged.composite = trace;
    const results = new Map(); // referenceId -> {status, body}
    const out = new Array(subs.length).fill(null);
    let failed = -1;
    const prevAll = this.inAllOrNone;
    this.inAllOrNone = allOrNone;
    if (allOrNone) this.db.begin();
    try {
      for (const i of order) {
        const s = subs[i];
        let r;
        try {
          const url = substitute(s.url, results, true, this.cfg);
          const sbody = s.body === undefined ? undefined : substitute(s.body, results, false, this.cfg);
          const u = new URL(url, 'https://x');
          const m = /^\/services\/data\/(v\d+\.\d+)(\/.*)?$/.exec(u.pathname);
          const fault = matchSubFault(this, s.method, u.pathname, sbody);
          if (fault) r = subFaultResponse(fault.action, u.pathname, sbody);
          else if (!m || !validVersion(m[1])) r = notFound();
          else {
            const hdrs = {};
            for (const [k, v] of Object.entries(s.httpHeaders || {})) hdrs[k.toLowerCase()] = v;
            r = this.safeData(s.method, m[1], (m[2] || '').replace(/^\//, ''), u.searchParams, hdrs, sbody);
          }
        } catch (e) {
          if (!(e instanceof RefError)) throw e;
          r = { status: 400, body: [{ errorCode: 'PROCESSING_HALTED', message: e.message }] };
        }
        results.set(s.referenceId, r);
        out[i] = { body: r.body === undefined ? null : r.body, httpHeaders: r.headers || {}, httpStatusCode: r.status, referenceId: s.referenceId };
        if (trace) { trace.order.push(s.referenceId); trace.subrequests[i].status = r.status; }
        if (r.status >= 400 && allOrNone) { failed = i; break; }
      }
    } catch (e) {
      this.inAllOrNone = prevAll;
      if (allOrNone) this.db.rollback();
      throw e;
    }
    this.inAllOrNone = prevAll;
    if (allOrNone && failed >= 0) {
      this.db.rollback();
      const halted = [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }];
      const final = subs.map((s, i) => (i === failed ? out[i]
        : { body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId }));
      if (trace) trace.rolled_back = true;
      return { status: 200, body: { compositeResponse: final } };
    }
    if (allOrNone) this.db.commit();
    // allOrNone false: a subrequest that was never run (none today) would be null.
    return { status: 200, body: { compositeResponse: out.filter((x) => x !== null) } };
  }
}

class RefError extends Error {}

/** The references (@{ref...}) a subrequest's url and body make. */
function refsOf(s) {
  const text = s.url + (s.body === undefined ? '' : JSON.stringify(s.body));
  const out = new Set();
  for (const m of text.matchAll(/@\{([A-Za-z0-9_]+)/g)) out.add(m[1]);
  return out;
}

const COLLATE_METHODS = ['GET', 'PATCH', 'PUT', 'DELETE', 'POST'];

/** Indexes of subs in the order sfsim runs them (see composite()). */
function executionOrder(subs, collate, methods = COLLATE_METHODS) {
  const all = subs.map((_, i) => i);
  if (!collate) return all;
  const refs = subs.map(refsOf);
  const referenced = new Set();
  for (const r of refs) for (const x of r) referenced.add(x);
  const collatable = (i) => refs[i].size === 0 && !referenced.has(subs[i].referenceId)
    && Object.keys(subs[i].httpHeaders || {}).length === 0 && /^\/services\/data\/v\d+\.\d+\/sobjects\//.test(subs[i].url);
  const first = [];
  for (const m of methods || COLLATE_METHODS) for (const i of all) if (collatable(i) && subs[i].method === m) first.push(i);
  return [...first, ...all.filter((i) => !collatable(i))];
}

/**
 * A fault on one subrequest: POST /__sim/faults {match:{subrequest:{method,
 * object, id, field}}, action}.  The action is the subrequest's answer:
 * {error: "validation"|"lock"|"fls"|"value", message?, field?} or
 * {status?, errorCode, message, fields?}.
 */
function matchSubFault(sim, method, path, body) {
  for (const f of sim.faults) {
    const m = f.match && f.match.subrequest;
    if (!m || f.count <= 0) continue;
    const mm = /^\/services\/data\/v\d+\.\d+\/sobjects\/([^/]+)(?:\/([^/]+))?/.exec(path);
    if (m.method && String(m.method).toUpperCase() !== method) continue;
    if (m.object && (!mm || mm[1].toLowerCase() !== String(m.object).toLowerCase())) continue;
    if (m.id && (!mm || !mm[2] || ids.normalize(mm[2]) !== ids.normalize(String(m.id)))) continue;
    if (m.field && !(body && typeof body === 'object' && Object.keys(body).some((k) => k.toLowerCase() === String(m.field).toLowerCase()))) continue;
    if (m.url_contains && !path.includes(m.url_contains)) continue;
    f.count--;
    sim.faults = sim.faults.filter((x) => x.count > 0);
    return f;
  }
  return null;
}

function subFaultResponse(a, path, body) {
  const field = a.field || (body && typeof body === 'object' ? Object.keys(body)[0] : undefined) || null;
  const idm = /\/sobjects\/[^/]+\/([^/?]+)/.exec(path);
  const id = idm ? idm[1] : '';
  const one = (code, message, fields) => ({ status: a.status || 400, body: [{ errorCode: code, message, fields }] });
  switch (a.error) {
    case 'validation': return one('FIELD_CUSTOM_VALIDATION_EXCEPTION', a.message || 'This change is not allowed by a validation rule.', field ? [field] : []);
    case 'lock': return one('UNABLE_TO_LOCK_ROW', a.message || `unable to obtain exclusive access to this record or 1 records: ${id}`, []);
    case 'fls': return one('INVALID_FIELD_FOR_INSERT_UPDATE', a.message || `Unable to create/update fields: ${field}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, field ? [field] : []);
    case 'value': return one('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', a.message || `${field}: bad value for restricted picklist field`, field ? [field] : []);
    default: return one(a.errorCode, a.message || a.errorCode, a.fields || []);
  }
}

/** Replace @{ref.path} in a URL (string) or a JSON body (deep). */
function substitute(v, results, inUrl, cfg) {
  if (typeof v === 'string') {
    const whole = /^@\{([^}]+)\}$/.exec(v);
    if (whole && !inUrl) return resolveRef(whole[1], results, cfg);
    return v.replace(/@\{([^}]+)\}/g, (_, ref) => {
      const x = resolveRef(ref, results, cfg);
      return inUrl ? encodeURIComponent(String(x)) : String(x);
    });
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, results, inUrl, cfg));
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = substitute(x, results, inUrl, cfg);
    return o;
  }
  return v;
}

/**
 * A reference's value.  One to a null value is not documented: by default
 * (cfg.nullReference "error") it fails as an unknown one does, a GUESS;
 * with "null" the value is null (in a URL or inside a string: empty).
 */
function resolveRef(ref, results, cfg) {
  const m = /^([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/.exec(ref);
  const r = m && results.get(m[1]);
  if (!r || r.status >= 400) throw new RefError(`Invalid reference specified. No value for ${ref} found in ${m ? m[1] : ref}.`);
  let cur = r.body;
  const steps = m[2].match(/\.[A-Za-z0-9_]+|\[\d+\]/g) || [];
  let missing = false;
  for (const s of steps) {
    if (cur == null) { missing = true; break; }
    cur = s[0] === '.' ? cur[s.slice(1)] : cur[Number(s.slice(1, -1))];
  }
  if (cur === undefined) missing = true;
  if (missing || cur === null) {
    if (!missing && cfg && cfg.nullReference === 'null') return null;
    throw new RefError(`Invalid reference specified. No value for ${ref} found in ${m[1]}.`);
  }
  return cur;
}

/** An IMF-fixdate (RFC 9110 5.6.7), e.g. "Mon, 30 Nov 2026 10:00:00 GMT": ms, or null. */
function parseHttpDate(v) {
  const m = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(String(v));
  if (!m) return null;
  const mon = 'JanFebMarAprMayJunJulAugSepOctNovDec'.indexOf(m[3]) / 3;
  const ms = Date.UTC(Number(m[4]), mon, Number(m[2]), Number(m[5]), Number(m[6]), Number(m[7]));
  const d = new Date(ms);
  if (d.getUTCDate() !== Number(m[2]) || Number(m[5]) > 23 || Number(m[6]) > 59 || Number(m[7]) > 59) return null;
  if (['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()] !== m[1]) return null;
  return ms;
}

const versionNum = (v) => parseFloat(String(v).replace(/^v/, '')) || 0;

function validVersion(v) {
  const m = /^v(\d+)\.0$/.exec(v);
  return !!m && Number(m[1]) >= MIN_VERSION && Number(m[1]) <= MAX_VERSION;
}

// ---------------------------------------------------------------- HTTP

function readBody(req, limit = 64 * 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let n = 0;
    req.on('data', (d) => {
      n += d.length;
      if (n > limit) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function matchFault(sim, method, path, soql, bodyText) {
  for (const f of sim.faults) {
    if (f.count <= 0) continue;
    const m = f.match || {};
    if (m.subrequest) continue; // one subrequest of a composite: see matchSubFault
    if (m.method && String(m.method).toUpperCase() !== method) continue;
    if (m.path_prefix && !path.startsWith(m.path_prefix)) continue;
    if (m.soql_contains) {
      const hay = soql != null ? soql : bodyText || '';
      if (!hay.includes(m.soql_contains)) continue;
    }
    f.count--;
    sim.faults = sim.faults.filter((x) => x.count > 0);
    return f;
  }
  return null;
}

/** Wait ms; resolves true early if the client closes the connection. */
function delayUnlessClosed(res, ms) {
  return new Promise((resolve) => {
    const onClose = () => { clearTimeout(timer); resolve(true); };
    const timer = setTimeout(() => { res.off('close', onClose); resolve(false); }, ms);
    res.once('close', onClose);
  });
}

function createServer(sim, tls) {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(sim, req, res).catch((e) => {
      sim.verbose(`internal error: ${e.stack}`);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json;charset=UTF-8' });
        res.end(JSON.stringify([{ message: 'An unexpected error occurred. Please include this ErrorId if you contact support: sfsim', errorCode: 'UNKNOWN_EXCEPTION' }]));
      } else res.destroy();
    });
  });
  return server;
}

/** Did the client offer gzip?  Salesforce compresses answers when asked. */
function wantsGzip(req) {
  return /(^|[\s,])gzip(\s*(;|,|$))/i.test((req && req.headers['accept-encoding']) || '');
}

function send(res, status, body, headers = {}) {
  let payload = Buffer.alloc(0);
  const h = { ...headers };
  if (body !== null && body !== undefined) {
    payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    if (!h['Content-Type']) h['Content-Type'] = 'application/json;charset=UTF-8';
    if (wantsGzip(res.req)) {
      payload = zlib.gzipSync(payload);
      h['Content-Encoding'] = 'gzip';
    }
  }
  h['Content-Length'] = payload.length;
  res.writeHead(status, h);
  res.end(payload);
}

async function handle(sim, req, res) {
  const bodyText = await readBody(req);
  const url = new URL(req.url, sim.url);
  const path = url.pathname;
  const method = req.method;
  const headers = req.headers;

  if (path.startsWith('/__sim/')) {
    const r = control.handle(sim, method, path, url.searchParams, headers, bodyText);
    send(res, r.status, r.body, r.headers);
    return;
  }

  const soql = url.searchParams.get('q');
  const t0 = process.hrtime.bigint();
  const entry = { method, path, soql, body: bodyText || null, status: null, api_calls: sim.apiCalls, auth: 'none', grant_type: null, ts: new Date().toISOString() };
  sim.log.push(entry);
  if (sim.log.length > sim.cfg.logMax) sim.log.shift();
  sim.verbose(`${method} ${req.url}`);

  const fault = matchFault(sim, method, path, soql, bodyText);
  const action = fault ? fault.action || {} : {};
  // A request is authenticated when it arrives: one that the org goes on
  // processing after its client hung up keeps that session's verdict
  // even if the token expires meanwhile (POST expire-tokens).
  const bearer = action.after_close === 'process' && /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(headers.authorization || '');
  const sessionAtArrival = bearer ? sim.auth.check(bearer[1]) : null;
  if (action.delay_ms && await delayUnlessClosed(res, Number(action.delay_ms))) {
    // The client gave up (closed the connection) before the answer.
    entry.status = 0;
    entry.aborted = true;
    if (action.after_close !== 'process') return;
    // ... and the org finishes the request all the same, after the rest
    // of the delay (a server-side transaction does not stop when its
    // client goes away: a GUESS, see README.md).
    await new Promise((r) => setTimeout(r, Math.max(0, Number(action.delay_ms) - (Date.now() - Date.parse(entry.ts)))));
    const late = route(sim, method, path, url, headers, bodyText, entry, { sessionAtArrival });
    entry.processed_after_close = late.status;
    return;
  }
  if (action.reset === 'before') {
    entry.status = 0;
    entry.fault = 'reset-before';
    req.socket.destroy();
    return;
  }
  if (action.status) {
    let body = action.body;
    let ctype = action.content_type;
    if (body === undefined) {
      body = JSON.stringify([{ message: action.message || 'Service Unavailable', errorCode: action.errorCode || (action.status === 503 ? 'SERVER_UNAVAILABLE' : 'UNKNOWN_EXCEPTION') }]);
      ctype = ctype || 'application/json;charset=UTF-8';
    } else if (typeof body !== 'string') {
      body = JSON.stringify(body);
    }
    entry.status = action.status;
    entry.fault = 'status';
    send(res, action.status, body, { 'Content-Type': ctype || 'text/html' });
    return;
  }

  const r = route(sim, method, path, url, headers, bodyText, entry);
  entry.status = r.status;
  entry.api_calls = sim.apiCalls;
  // A query answer: how many records it carried, and the batch asked for.
  if (r.body && Array.isArray(r.body.records) && typeof r.body.totalSize === 'number') entry.records = r.body.records.length;
  if (headers['sforce-query-options']) entry.query_options = String(headers['sforce-query-options']);
  const h = { ...(r.headers || {}) };
  if (r.limitHeader) h['Sforce-Limit-Info'] = `api-usage=${sim.apiCalls}/${sim.cfg.apiLimit}`;

  if (action.reset === 'after') {
    entry.fault = 'reset-after';
    req.socket.destroy();
    return;
  }
  if (action.truncate) {
    entry.fault = 'truncate';
    const text = r.body === null || r.body === undefined ? '' : JSON.stringify(r.body);
    h['Content-Type'] = 'application/json;charset=UTF-8';
    h['Content-Length'] = Buffer.byteLength(text) + 100;
    res.writeHead(r.status, h);
    res.write(text.slice(0, Math.floor(text.length / 2)));
    setTimeout(() => req.socket.destroy(), 20);
    return;
  }
  entry.gzip = r.body !== null && r.body !== undefined && wantsGzip(req);
  send(res, r.status, r.body, h);
  // The simulator's own time for this answer (evaluating, serialising,
  // compressing): a benchmark subtracts it to see the client's time.
  entry.ms = Number(process.hrtime.bigint() - t0) / 1e6;
}

function parseForm(text, contentType) {
  if (/json/i.test(contentType || '')) {
    try { return JSON.parse(text); } catch { return {}; }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

function route(sim, method, path, url, headers, bodyText, entry, opts = {}) {
  // OAuth endpoints: not API calls, no limit header.
  if (path === '/services/oauth2/token') {
    if (method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'must use HTTP POST' } };
    const form = parseForm(bodyText, headers['content-type']);
    entry.grant_type = form.grant_type || null;
    // Never keep secrets in the log.
    entry.body = null;
    return sim.auth.token(form, headers);
  }
  if (path === '/services/oauth2/revoke') {
    const form = parseForm(bodyText, headers['content-type']);
    entry.body = null;
    entry.grant_type = 'revoke';
    return sim.auth.revoke(form.token || url.searchParams.get('token'));
  }
  if (path === '/services/oauth2/authorize') {
    if (method !== 'GET') return { status: 405, body: null };
    return sim.auth.authorize(url.searchParams);
  }
  if (path === '/services/oauth2/userinfo') {
    // OpenID Connect UserInfo: the token's user and org.  Not an API
    // call, no usage header (the OAuth endpoints' rule here).
    if (method !== 'GET' && method !== 'POST') return methodNotAllowed(method, 'GET,POST');
    const bm = /^Bearer\s+(\S+)$/i.exec(headers.authorization || '');
    if (!bm || sim.auth.check(bm[1]) !== 'ok') {
      entry.auth = bm ? 'invalid' : 'none';
      return { status: 403, body: 'Bad_OAuth_Token', headers: { 'Content-Type': 'text/plain' } };
    }
    entry.auth = 'bearer';
    return { status: 200, body: sim.userinfo() };
  }
  if (path === '/services/data' || path === '/services/data/') {
    // The versions URI needs no session and carries no usage header.
    if (method !== 'GET') return methodNotAllowed(method, 'GET,HEAD');
    const out = [];
    for (let v = MIN_VERSION; v <= MAX_VERSION; v++) out.push({ label: versionLabel(v), url: `/services/data/v${v}.0`, version: `${v}.0` });
    return { status: 200, body: out };
  }
  const m = /^\/services\/data\/(v\d+\.\d+)(?:\/(.*))?$/.exec(path);
  if (!m) return notFound();

  // Session check.
  const authz = headers.authorization || '';
  const bm = /^(?:Bearer|OAuth)\s+(\S+)$/i.exec(authz);
  if (!bm || (opts.sessionAtArrival || sim.auth.check(bm[1])) !== 'ok') {
    entry.auth = bm ? 'invalid' : 'none';
    return { status: 401, body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }], headers: { 'WWW-Authenticate': 'Token' } };
  }
  entry.auth = 'bearer';
  if (!validVersion(m[1])) return notFound();
  // The daily allocation: refused calls are not counted.
  if (sim.apiCalls >= sim.cfg.apiLimit) {
    return { ...err(new SfError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.')), limitHeader: true };
  }
  sim.apiCalls++;
  let body;
  if (bodyText && (method === 'POST' || method === 'PATCH' || method === 'PUT')) {
    try { body = JSON.parse(bodyText); } catch (e) {
      return { ...err(new SfError(400, 'JSON_PARSER_ERROR', `Unexpected character: was expecting a JSON value at [line:1, column:1]`)), limitHeader: true };
    }
  }
  sim.curEntry = entry;
  const r = sim.safeData(method, m[1], m[2] || '', url.searchParams, headers, body);
  sim.curEntry = null;
  return { ...r, limitHeader: true };
}

module.exports = { Sim, createServer };
