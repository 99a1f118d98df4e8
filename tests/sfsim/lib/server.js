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
  }

  // ------------------------------------------------------------ queries

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
    const res = runQuery(this.db, q, { cfg: this.cfg, version, today: this.todayN });
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
      zoneinfo: u.TimeZoneSidKey || 'America/Los_Angeles', locale: u.LocaleSidKey || 'en_US',
      user_type: 'STANDARD', active: true, language: 'en_US', utcOffset: -28800000,
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
    const env = { now: this.now, userId: this.userId };
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
        if (method === 'PATCH') { dml.update(this.db, obj.name, b, body, env); return { status: 204, body: null }; }
        if (method === 'DELETE') { dml.remove(this.db, obj.name, b); return { status: 204, body: null }; }
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

  // ------------------------------------------------------------ composite

  composite(version, body) {
    const bad = (msg, code = 'INVALID_API_INPUT') => err(new SfError(400, code, msg));
    if (!body || typeof body !== 'object' || !Array.isArray(body.compositeRequest)) {
      return bad('compositeRequest is required', 'JSON_PARSER_ERROR');
    }
    const subs = body.compositeRequest;
    if (subs.length > 25) return bad(`Limit Exceeded: the composite request has ${subs.length} subrequests; the maximum is 25`);
    const seen = new Set();
    for (const s of subs) {
      if (!s || typeof s !== 'object' || typeof s.url !== 'string' || typeof s.referenceId !== 'string') {
        return bad('Each subrequest needs method, url and referenceId', 'JSON_PARSER_ERROR');
      }
      if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(s.method)) return bad(`Invalid HTTP method: ${s.method}`);
      if (seen.has(s.referenceId)) return bad(`Duplicate referenceId provided in the request: ${s.referenceId}`);
      seen.add(s.referenceId);
      for (const h of Object.keys(s.httpHeaders || {})) {
        if (['authorization', 'accept', 'content-type'].includes(h.toLowerCase())) {
          return bad(`The ${h} header isn't allowed in a composite subrequest`);
        }
      }
    }
    const allOrNone = body.allOrNone === true;
    const results = new Map(); // referenceId -> {status, body}
    const out = [];
    let failed = -1;
    if (allOrNone) this.db.begin();
    try {
      for (let i = 0; i < subs.length; i++) {
        const s = subs[i];
        let r;
        try {
          const url = substitute(s.url, results, true);
          const sbody = s.body === undefined ? undefined : substitute(s.body, results, false);
          const u = new URL(url, 'https://x');
          const m = /^\/services\/data\/(v\d+\.\d+)(\/.*)?$/.exec(u.pathname);
          if (!m || !validVersion(m[1])) r = notFound();
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
        out.push({ body: r.body === undefined ? null : r.body, httpHeaders: r.headers || {}, httpStatusCode: r.status, referenceId: s.referenceId });
        if (r.status >= 400 && allOrNone) { failed = i; break; }
      }
    } catch (e) {
      if (allOrNone) this.db.rollback();
      throw e;
    }
    if (allOrNone && failed >= 0) {
      this.db.rollback();
      const halted = [{ errorCode: 'PROCESSING_HALTED', message: 'The transaction was rolled back since another operation in the same transaction failed.' }];
      const final = subs.map((s, i) => (i === failed ? out[i]
        : { body: halted, httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId }));
      return { status: 200, body: { compositeResponse: final } };
    }
    if (allOrNone) this.db.commit();
    return { status: 200, body: { compositeResponse: out } };
  }
}

class RefError extends Error {}

/** Replace @{ref.path} in a URL (string) or a JSON body (deep). */
function substitute(v, results, inUrl) {
  if (typeof v === 'string') {
    const whole = /^@\{([^}]+)\}$/.exec(v);
    if (whole && !inUrl) return resolveRef(whole[1], results);
    return v.replace(/@\{([^}]+)\}/g, (_, ref) => {
      const x = resolveRef(ref, results);
      return inUrl ? encodeURIComponent(String(x)) : String(x);
    });
  }
  if (Array.isArray(v)) return v.map((x) => substitute(x, results, inUrl));
  if (v && typeof v === 'object') {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = substitute(x, results, inUrl);
    return o;
  }
  return v;
}

function resolveRef(ref, results) {
  const m = /^([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)$/.exec(ref);
  const r = m && results.get(m[1]);
  if (!r || r.status >= 400) throw new RefError(`Invalid reference specified. No value for ${ref} found in ${m ? m[1] : ref}.`);
  let cur = r.body;
  const steps = m[2].match(/\.[A-Za-z0-9_]+|\[\d+\]/g) || [];
  for (const s of steps) {
    if (cur == null) break;
    cur = s[0] === '.' ? cur[s.slice(1)] : cur[Number(s.slice(1, -1))];
  }
  if (cur === undefined || cur === null) throw new RefError(`Invalid reference specified. No value for ${ref} found in ${m[1]}.`);
  return cur;
}

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
  if (action.delay_ms && await delayUnlessClosed(res, Number(action.delay_ms))) {
    // The client gave up (closed the connection) before the answer.
    entry.status = 0;
    entry.aborted = true;
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

function route(sim, method, path, url, headers, bodyText, entry) {
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
  if (!bm || sim.auth.check(bm[1]) !== 'ok') {
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
  const r = sim.safeData(method, m[1], m[2] || '', url.searchParams, headers, body);
  return { ...r, limitHeader: true };
}

module.exports = { Sim, createServer };
