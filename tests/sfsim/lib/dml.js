'use strict';
// Create, update, delete with Salesforce's validation: unknown and
// read-only fields, required fields, restricted picklists, type coercion,
// a validation rule, and the fields Salesforce derives itself.

const ids = require('./ids');
const { STAGE, getObject, objectForId, effField, fieldAbsent } = require('./schema');
const { sanitizeNote, notePreview } = require('./notes');
const { DAY, dayStr, dayNum, isValidDate, parseDateTime, ymd } = require('./dates');
const { SfError } = require('./errors');

const notFound = () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
const STRINGY = new Set(['string', 'textarea', 'picklist', 'email', 'phone', 'url', 'combobox', 'multipicklist']);
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

function jsonErr(f, type, v) {
  return new SfError(400, 'JSON_PARSER_ERROR',
    `Cannot deserialize instance of ${type} from VALUE_STRING value ${v} or request may be missing a required field`, [f.name]);
}

/** Coerce a JSON value for field f, as the REST API would accept it. */
function coerce(db, f, v) {
  if (v === null || v === undefined || v === '') {
    if (f.type === 'boolean') return false;
    return null;
  }
  if (STRINGY.has(f.type)) {
    if (typeof v === 'object') throw jsonErr(f, 'string', JSON.stringify(v));
    const s = String(v);
    if (f.length && s.length > f.length) {
      throw new SfError(400, 'STRING_TOO_LONG', `${f.label}: data value too large: ${s.slice(0, 50)} (max length=${f.length})`, [f.name]);
    }
    if (f.restricted && !f.picklist.some((p) => p.value === s)) {
      throw new SfError(400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${s}`, [f.name]);
    }
    return s;
  }
  switch (f.type) {
    case 'currency': case 'double': case 'percent': case 'int': {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) throw jsonErr(f, 'double', v);
      return f.type === 'int' ? Math.trunc(n) : n;
    }
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === 'false') return v === 'true';
      throw jsonErr(f, 'boolean', v);
    case 'date': {
      const s = String(v).slice(0, 10);
      if (typeof v !== 'string' || !isValidDate(s)) throw jsonErr(f, 'date', v);
      return s;
    }
    case 'datetime': {
      const ms = parseDateTime(String(v).replace(/^(\d{4}-\d{2}-\d{2})$/, '$1T00:00:00Z'));
      if (Number.isNaN(ms)) throw jsonErr(f, 'datetime', v);
      return ms;
    }
    case 'reference': case 'id': {
      const id = ids.normalize(String(v));
      if (!id) throw new SfError(400, 'MALFORMED_ID', `${f.label}: id value of incorrect type: ${v}`, [f.name]);
      const target = objectForId(id);
      if (!target || !f.ref.some((r) => getObject(r).keyPrefix === id.slice(0, 3))) {
        throw new SfError(400, 'FIELD_INTEGRITY_EXCEPTION', `${f.label}: id value of incorrect type: ${v}`, [f.name]);
      }
      const refObj = f.ref.find((r) => getObject(r).keyPrefix === id.slice(0, 3));
      if (!db.get(refObj, id)) throw new SfError(400, 'INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [f.name]);
      return id;
    }
    case 'base64': {
      const s = String(v).replace(/\s+/g, '');
      if (!BASE64_RE.test(s) || s.length % 4 !== 0) {
        throw new SfError(400, 'JSON_PARSER_ERROR', `Cannot deserialize instance of base64 from VALUE_STRING value ${String(v).slice(0, 40)}: Illegal base64 character`, [f.name]);
      }
      return s;
    }
    default:
      return v;
  }
}

/** Check the body's fields; returns {fieldDef: value} pairs. */
function readFields(db, obj, body, op, env = {}) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  const out = [];
  const ro = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === 'attributes') continue;
    const f0 = obj.fieldMap.get(k.toLowerCase());
    if (!f0 || f0.hidden || fieldAbsent(f0, env.version, env.cfg)) throw new SfError(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type ${obj.name}`);
    const f = effField(obj, f0, env.cfg);
    if (op === 'create' ? !f.createable : !f.updateable) { ro.push(f.name); continue; }
    out.push([f, v]);
  }
  if (ro.length) {
    throw new SfError(400, 'INVALID_FIELD_FOR_INSERT_UPDATE',
      `Unable to create/update fields: ${ro.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, ro);
  }
  return out.map(([f, v]) => [f, coerce(db, f, v)]);
}

/**
 * The org's validation rules (cfg.validationRules, POST /__sim/org):
 * [{object, field, contains, message}]: a record whose field holds the
 * text fails with FIELD_CUSTOM_VALIDATION_EXCEPTION and the rule's message.
 */
function validationRules(obj, rec, env) {
  for (const r of (env.cfg && env.cfg.validationRules) || []) {
    if (r.object !== obj.name) continue;
    const v = rec[r.field];
    if (typeof v === 'string' && v.toLowerCase().includes(String(r.contains).toLowerCase())) {
      throw new SfError(400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', r.message, [r.field]);
    }
  }
}

/** A record some other transaction holds (cfg.lockedIds). */
function checkLock(id, env) {
  if (env.cfg && env.cfg.lockedIds && env.cfg.lockedIds.includes(id)) {
    throw new SfError(400, 'UNABLE_TO_LOCK_ROW', 'unable to obtain exclusive access to this record or 1 records: ' + id, []);
  }
}

/** Unique fields (Attempt_Id__c): DUPLICATE_VALUE, as Salesforce words it. */
function checkUnique(db, obj, rec, env) {
  for (const f of obj.fields) {
    if (!f.unique || rec[f.name] == null || fieldAbsent(f, env.version, env.cfg)) continue;
    const dup = db.tables[obj.name].records.find((r) => r !== rec && r.Id !== rec.Id && r[f.name] != null
      && String(r[f.name]).toLowerCase() === String(rec[f.name]).toLowerCase());
    if (dup) throw new SfError(400, 'DUPLICATE_VALUE', `duplicate value found: ${f.name} duplicates value on record with id: ${dup.Id}`, [f.name]);
  }
}

/** Fields Salesforce derives, and the validation rules. */
function derive(db, obj, rec, changed, now, env = {}) {
  switch (obj.name) {
    case 'Opportunity': {
      if (rec.Amount != null && rec.Amount < 0) {
        throw new SfError(400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Amount cannot be negative.', ['Amount']);
      }
      if (changed.has('StageName')) {
        const st = STAGE.get(rec.StageName);
        rec.IsClosed = st.closed;
        rec.IsWon = st.won;
        if (!changed.has('Probability')) rec.Probability = st.probability;
        if (!changed.has('ForecastCategoryName')) rec.ForecastCategoryName = st.fcName;
        rec.LastStageChangeDate = now;
      }
      const FC = { Omitted: 'Omitted', Pipeline: 'Pipeline', 'Best Case': 'BestCase', Commit: 'Forecast', Closed: 'Closed' };
      rec.ForecastCategory = FC[rec.ForecastCategoryName] || null;
      rec.ExpectedRevenue = rec.Amount == null || rec.Probability == null ? null : rec.Amount * rec.Probability / 100;
      if (rec.CloseDate) { const d = ymd(dayNum(rec.CloseDate)); rec.FiscalQuarter = Math.floor(d.m / 3) + 1; rec.FiscalYear = d.y; }
      break;
    }
    case 'Contact': case 'Lead':
      rec.Name = [rec.FirstName, rec.LastName].filter(Boolean).join(' ');
      break;
    case 'Event': case 'Task': {
      let acc = null;
      if (rec.WhatId) {
        if (rec.WhatId.startsWith('001')) acc = rec.WhatId;
        else { const o = db.get('Opportunity', rec.WhatId); acc = o ? o.AccountId : null; }
      } else if (rec.WhoId && rec.WhoId.startsWith('003')) {
        const c = db.get('Contact', rec.WhoId); acc = c ? c.AccountId : null;
      }
      rec.AccountId = acc;
      if (obj.name === 'Task') { rec.IsClosed = rec.Status === 'Completed'; break; }
      if (!rec.IsAllDayEvent) {
        if (rec.StartDateTime == null && rec.ActivityDateTime != null) rec.StartDateTime = rec.ActivityDateTime;
        if (rec.StartDateTime == null) throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [StartDateTime]', ['StartDateTime']);
        if (rec.EndDateTime == null && rec.DurationInMinutes == null) {
          throw new SfError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [DurationInMinutes]', ['DurationInMinutes']);
        }
        if (rec.EndDateTime == null) rec.EndDateTime = rec.StartDateTime + rec.DurationInMinutes * 60000;
        rec.DurationInMinutes = Math.round((rec.EndDateTime - rec.StartDateTime) / 60000);
        rec.ActivityDateTime = rec.StartDateTime;
        rec.ActivityDate = dayStr(Math.floor(rec.StartDateTime / DAY));
      }
      break;
    }
    case 'ContentNote': {
      // Salesforce strips unsafe HTML and new lines (lib/notes.js); the
      // note keeps what is left, base64 again.
      if (changed.has('Content') || rec.Content == null) {
        const html = sanitizeNote(Buffer.from(rec.Content || '', 'base64').toString('utf8'), env.cfg && env.cfg.noteKeepTags);
        rec.Content = Buffer.from(html, 'utf8').toString('base64');
      }
      const text = Buffer.from(rec.Content || '', 'base64').toString('utf8');
      rec.FileType = 'SNOTE';
      rec.ContentSize = Buffer.byteLength(text);
      rec.TextPreview = notePreview(text);
      break;
    }
    default:
      break;
  }
}

function blank(obj) {
  const rec = {};
  for (const f of obj.fields) {
    if (f.defaultValue !== undefined) rec[f.name] = f.defaultValue;
    else if (f.type === 'boolean') rec[f.name] = false;
    else {
      const d = f.picklist && f.picklist.find((p) => p.default);
      rec[f.name] = d ? d.value : null;
    }
  }
  return rec;
}

function create(db, objName, body, env) {
  const obj = getObject(objName);
  if (!obj) throw notFound();
  if (!obj.createable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be inserted: ${obj.name}`);
  const pairs = readFields(db, obj, body, 'create', env);
  const rec = blank(obj);
  const changed = new Set();
  for (const [f, v] of pairs) { rec[f.name] = v; changed.add(f.name); }
  const now = env.now();
  rec.Id = db.nextId(obj.name);
  if ('OwnerId' in rec && rec.OwnerId == null) rec.OwnerId = env.userId;
  if ('CreatedDate' in rec) {
    Object.assign(rec, { CreatedDate: now, CreatedById: env.userId, LastModifiedDate: now, LastModifiedById: env.userId });
  }
  rec.SystemModstamp = now;
  rec.IsDeleted = false;
  const missing = obj.fields.filter((f) => f.required && rec[f.name] == null).map((f) => f.name);
  if (missing.length) {
    throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  }
  if (obj.name === 'Opportunity') changed.add('StageName');
  derive(db, obj, rec, changed, now, env);
  validationRules(obj, rec, env);
  checkUnique(db, obj, rec, env);
  if (obj.name === 'Cleanup_Audit__c') rec.Name = 'CA-' + String(db.counters.get(obj.keyPrefix)).padStart(6, '0');
  if (obj.name === 'ContentDocumentLink' && !rec.Visibility) rec.Visibility = 'AllUsers';
  db.insert(obj.name, rec);
  // A note is a ContentDocument too: same id, so links can point at it.
  if (obj.name === 'ContentNote') {
    db.insert('ContentDocument', {
      Id: rec.Id, IsDeleted: false, CreatedDate: now, CreatedById: env.userId, LastModifiedDate: now,
      LastModifiedById: env.userId, SystemModstamp: now, OwnerId: rec.OwnerId, Title: rec.Title, FileType: 'SNOTE', ContentSize: rec.ContentSize,
    });
  }
  return rec.Id;
}

function findRecord(db, objName, id) {
  const obj = getObject(objName);
  if (!obj) throw notFound();
  const norm = ids.normalize(id);
  const rec = norm && norm.slice(0, 3) === obj.keyPrefix ? db.get(obj.name, norm) : null;
  if (!rec) throw notFound();
  return { obj, rec };
}

function update(db, objName, id, body, env) {
  const { obj, rec } = findRecord(db, objName, id);
  if (!obj.updateable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be updated: ${obj.name}`);
  const pairs = readFields(db, obj, body, 'update', env);
  checkLock(rec.Id, env);
  const next = { ...rec };
  const changed = new Set();
  for (const [f, v] of pairs) {
    if (next[f.name] !== v) changed.add(f.name);
    next[f.name] = v;
  }
  const missing = pairs.filter(([f, v]) => (f.required || f.nillable === false) && v == null && f.type !== 'boolean').map(([f]) => f.name);
  if (missing.length) throw new SfError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
  const now = env.now();
  derive(db, obj, next, changed, now, env);
  validationRules(obj, next, env);
  checkUnique(db, obj, next, env);
  if ('LastModifiedDate' in next) { next.LastModifiedDate = now; next.LastModifiedById = env.userId; }
  next.SystemModstamp = now;
  const changes = {};
  for (const k of Object.keys(next)) if (next[k] !== rec[k]) changes[k] = next[k];
  // The per-field change log (GET /__sim/history): the fields the request
  // changed, not the ones Salesforce derived.
  const before = {};
  for (const k of changed) before[k] = rec[k];
  db.update(obj.name, rec, changes);
  for (const k of changed) {
    if (before[k] !== rec[k]) db.logChange({ ts: now, object: obj.name, id: rec.Id, field: k, old: before[k] === undefined ? null : before[k], new: rec[k] });
  }
  if (obj.name === 'ContentNote') {
    const doc = db.get('ContentDocument', rec.Id);
    if (doc) db.update('ContentDocument', doc, { Title: rec.Title, ContentSize: rec.ContentSize, LastModifiedDate: now });
  }
}

function remove(db, objName, id, env = {}) {
  const { obj, rec } = findRecord(db, objName, id);
  checkLock(rec.Id, env);
  if (!obj.createable) throw new SfError(400, 'INVALID_TYPE_FOR_OPERATION', `entity type cannot be deleted: ${obj.name}`);
  db.remove(obj.name, rec.Id);
  // A note is a ContentDocument: deleting it takes the document and the
  // document's links (ContentDocumentLink) with it.
  if (obj.name === 'ContentNote' || obj.name === 'ContentDocument') {
    if (obj.name === 'ContentNote') db.remove('ContentDocument', rec.Id);
    else if (db.get('ContentNote', rec.Id)) db.remove('ContentNote', rec.Id);
    for (const l of db.tables.ContentDocumentLink.records.filter((x) => x.ContentDocumentId === rec.Id)) db.remove('ContentDocumentLink', l.Id);
  }
}

module.exports = { create, update, remove, findRecord, notFound, checkLock };
