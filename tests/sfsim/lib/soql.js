'use strict';
// SOQL: parse with soql-parser-js, check Salesforce's rules, evaluate over
// the store.  Compilation turns the AST into closures once per query; the
// per-record work is a predicate call, so 500k rows filter in well under
// a second.

const { parseQuery } = require('@jetstreamapp/soql-parser-js');
const ids = require('./ids');
const { OBJECTS, SEMI_JOIN_FORBIDDEN, getObject, objectForId, fieldAbsent, objectAbsent } = require('./schema');
const { DAY, dayStr, dayNum, fmtDateTime, isValidDate, parseDateTime, literalRange, zoneDayStart } = require('./dates');
const { SfError, caret } = require('./errors');
const { datedPeriods } = require('./currency');

const NO_COLUMN_TAIL = " If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.";
const NO_REL_TAIL = " If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.";
const NO_TYPE_TAIL = " If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.";

// Fields a polymorphic relationship (What, Who, LinkedEntity) exposes.
const POLY_FIELDS = {
  id: { name: 'Id', type: 'id', ref: [] },
  name: { name: 'Name', type: 'string', ref: [] },
  type: { name: 'Type', type: 'string', ref: [], virtualType: true },
};

/** Polymorphic relationships WITH SECURITY_ENFORCED may traverse. */
const POLY_OK = new Set(['owner', 'createdby', 'lastmodifiedby']);

const KIND = {
  id: 'id', reference: 'id', boolean: 'bool', currency: 'num', double: 'num', percent: 'num', int: 'num',
  date: 'date', datetime: 'datetime',
};
const kindOf = (type) => KIND[type] || 'str';
const TYPE_WORD = { date: 'date', datetime: 'dateTime', currency: 'double', double: 'double', percent: 'double', int: 'integer', boolean: 'boolean', id: 'id', reference: 'id' };

const bad = (ctx, code, token, msg, status = 400) => new SfError(status, code, caret(ctx.q, token) + msg);

/** A string literal's value: strip the quotes and apply SOQL escapes. */
function unquote(s) {
  s = String(s);
  if (s.length >= 2 && s[0] === "'" && s[s.length - 1] === "'") s = s.slice(1, -1);
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (m, c) => {
    switch (c[0]) {
      case 'n': case 'N': return '\n';
      case 'r': case 'R': return '\r';
      case 't': case 'T': return '\t';
      case 'b': case 'B': return '\b';
      case 'f': case 'F': return '\f';
      case 'u': return c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : m;
      default: return m.length === 2 && (c === '%' || c === '_') ? m : c; // \% \_ stay escaped for LIKE
    }
  });
}

function likeRegex(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) { re += '\\' + pattern[++i]; continue; }
    if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$', 'i');
}

// ---------------------------------------------------------------- paths

function lookup(db, id, target) {
  if (target) return db.get(target.name, id);
  const o = objectForId(id);
  return o ? db.get(o.name, id) : null;
}

function typeOfRecord(rec, fallback) {
  const o = rec && rec.Id ? objectForId(rec.Id) : null;
  return o ? o.name : fallback;
}

function flsError(ctx) {
  return new SfError(400, ctx.cfg.flsErrorCode, 'Insufficient permissions: secure query included inaccessible field');
}

/**
 * Resolve "Account.Owner.Name" from obj.  clause is 'select' or another
 * clause name: WITH SECURITY_ENFORCED checks only SELECT, USER_MODE all.
 */
function resolvePath(ctx, obj, raw, clause) {
  const parts = String(raw).split('.');
  const steps = [];
  let cur = obj;
  let poly = false;
  for (let i = 0; i < parts.length - 1; i++) {
    const fk = poly ? null : cur.relMap.get(parts[i].toLowerCase());
    if (!fk || (fk.hidden && ctx.mode === 'none')) {
      throw bad(ctx, 'INVALID_FIELD', raw, `Didn't understand relationship '${parts[i]}' in field path.${NO_REL_TAIL}`);
    }
    if (fk.hidden) throw flsError(ctx);
    if (fk.ref.length === 1) {
      cur = OBJECTS[fk.ref[0]];
      steps.push({ fk: fk.name, rel: fk.rel, target: cur });
    } else {
      // WITH SECURITY_ENFORCED "can't traverse polymorphic relationships"
      // except Owner, CreatedBy and LastModifiedBy, checked on SELECT
      // (salesforce.md 5.2: Apex guide, Spring '20 release notes).  The
      // errorCode and text are a GUESS.
      if (ctx.mode === 'security' && clause === 'select' && !POLY_OK.has(String(fk.rel).toLowerCase())) {
        throw bad(ctx, 'MALFORMED_QUERY', raw,
          `WITH SECURITY_ENFORCED does not support traversal of the polymorphic relationship '${fk.rel}'; use WITH USER_MODE or query without it`);
      }
      poly = true;
      steps.push({ fk: fk.name, rel: fk.rel, target: null });
    }
  }
  const leafName = parts[parts.length - 1];
  const leaf = poly ? POLY_FIELDS[leafName.toLowerCase()] : cur.fieldMap.get(leafName.toLowerCase());
  const entity = poly ? 'Name' : cur.name;
  if (!leaf || fieldAbsent(leaf, ctx.version, ctx.cfg)) throw bad(ctx, 'INVALID_FIELD', raw, `No such column '${leafName}' on entity '${entity}'.${NO_COLUMN_TAIL}`);
  if (leaf.hidden) {
    if (ctx.mode === 'user' || (ctx.mode === 'security' && clause === 'select')) throw flsError(ctx);
    throw bad(ctx, 'INVALID_FIELD', raw, `No such column '${leafName}' on entity '${entity}'.${NO_COLUMN_TAIL}`);
  }
  return { steps, leaf, raw, type: leaf.type };
}

function pathGetter(db, path) {
  const { steps, leaf } = path;
  const name = leaf.name;
  if (steps.length === 0) return (r) => r[name];
  return (r) => {
    let cur = r;
    for (let i = 0; i < steps.length; i++) {
      const id = cur[steps[i].fk];
      if (id == null) return null;
      cur = lookup(db, id, steps[i].target);
      if (!cur) return null;
    }
    if (leaf.virtualType) return typeOfRecord(cur, null);
    const v = cur[name];
    return v === undefined ? null : v;
  };
}

function fmtValue(type, v) {
  if (v == null) return null;
  if (type === 'datetime') return fmtDateTime(v);
  return v;
}

// ---------------------------------------------------------------- WHERE

/**
 * soql-parser-js gives a right-leaning chain with paren counts on the
 * conditions; it does not encode precedence.  Flatten it into tokens and
 * re-parse with NOT > AND > OR.
 */
function buildTree(where) {
  const toks = [];
  const walk = (node) => {
    if (!node) return;
    if (node.left === null && String(node.operator).toUpperCase() === 'NOT') {
      toks.push('NOT');
      walk(node.right);
      return;
    }
    const c = node.left;
    for (let i = 0; i < (c.openParen || 0); i++) toks.push('(');
    toks.push({ cond: c });
    for (let i = 0; i < (c.closeParen || 0); i++) toks.push(')');
    if (node.operator) {
      toks.push(String(node.operator).toUpperCase());
      walk(node.right);
    }
  };
  walk(where);
  let i = 0;
  const expr = () => {
    let a = and();
    while (toks[i] === 'OR') { i++; a = { op: 'OR', a, b: and() }; }
    return a;
  };
  const and = () => {
    let a = unary();
    while (toks[i] === 'AND') { i++; a = { op: 'AND', a, b: unary() }; }
    return a;
  };
  const unary = () => {
    const t = toks[i++];
    if (t === 'NOT') return { op: 'NOT', a: unary() };
    if (t === '(') { const e = expr(); i++; return e; }
    if (t && t.cond) return { op: 'COND', c: t.cond };
    throw new Error('bad WHERE structure');
  };
  return expr();
}

/** Convert one literal for a field of the given type (or throw Salesforce's type error). */
function literal(ctx, fieldRaw, type, literalType, value, n) {
  const lt = String(literalType || '').toUpperCase();
  const kind = kindOf(type);
  const typeErr = (quoted) => bad(ctx, 'INVALID_FIELD', fieldRaw,
    `value of filter criterion for field '${fieldRaw}' must be of type ${TYPE_WORD[type] || 'string'} and should ${quoted ? '' : 'not '}be enclosed in quotes`);
  if (lt === 'NULL') return { nul: true };
  if (lt === 'DATE_LITERAL' || lt === 'DATE_N_LITERAL') {
    if (kind !== 'date' && kind !== 'datetime') throw typeErr(true);
    const name = String(value).toUpperCase().split(':')[0];
    const num = lt === 'DATE_N_LITERAL' ? Number(n !== undefined ? n : String(value).split(':')[1]) : 0;
    const r = literalRange(name, num, ctx.today);
    if (!r) throw bad(ctx, 'MALFORMED_QUERY', String(value), `unexpected token: ${value}`);
    // A datetime field: the days' bounds are midnights in the user's zone.
    const z = ctx.zone || 'GMT';
    return kind === 'date' ? { range: [dayStr(r[0]), dayStr(r[1])] } : { range: [zoneDayStart(z, r[0]), zoneDayStart(z, r[1])] };
  }
  if (lt === 'DATE') {
    if (kind !== 'date') throw typeErr(kind === 'str' || kind === 'id');
    if (!isValidDate(value)) throw bad(ctx, 'MALFORMED_QUERY', value, `line 1:0 no viable alternative at character '${value}'`);
    return { range: [value, dayStr(dayNum(value) + 1)] };
  }
  if (lt === 'DATETIME') {
    if (kind !== 'datetime') throw typeErr(kind === 'str' || kind === 'id');
    const ms = parseDateTime(value);
    if (Number.isNaN(ms)) throw bad(ctx, 'MALFORMED_QUERY', value, `invalid datetime: ${value}`);
    return { range: [ms, ms + 1] };
  }
  if (lt === 'STRING') {
    if (kind !== 'str' && kind !== 'id') throw typeErr(false);
    const s = unquote(value);
    if (kind === 'id') {
      const norm = ids.normalize(s);
      if (!norm) throw new SfError(400, 'INVALID_QUERY_FILTER_OPERATOR', caret(ctx.q, fieldRaw) + `invalid ID field: ${s}`);
      return { v: norm };
    }
    return { v: s.toLowerCase(), raw: s };
  }
  if (lt === 'INTEGER' || lt === 'DECIMAL' || lt === 'INTEGER_WITH_CURRENCY_PREFIX' || lt === 'DECIMAL_WITH_CURRENCY_PREFIX') {
    if (kind !== 'num') throw typeErr(true);
    return { v: Number(String(value).replace(/^[A-Z]{3}/, '')) };
  }
  if (lt === 'BOOLEAN') {
    if (kind !== 'bool') throw typeErr(kind === 'str' || kind === 'id');
    return { v: String(value).toUpperCase() === 'TRUE' };
  }
  throw bad(ctx, 'MALFORMED_QUERY', fieldRaw, `unsupported literal ${value}`);
}

function norm(kind, v) {
  return kind === 'str' && typeof v === 'string' ? v.toLowerCase() : v;
}

/**
 * Compile one condition.  resolve(cond) → {get, type, raw}: a record
 * field for WHERE, a group value or aggregate for HAVING.
 */
function compileCond(ctx, c, resolve, semi) {
  const op = String(c.operator).toUpperCase().replace(/\s+/g, ' ');
  if (c.valueQuery) return semi(c, op);
  const { get, type, raw } = resolve(c);
  const kind = kindOf(type);
  const lts = Array.isArray(c.literalType) ? c.literalType : null;
  if (op === 'IN' || op === 'NOT IN' || op === 'INCLUDES' || op === 'EXCLUDES') {
    const vals = Array.isArray(c.value) ? c.value : [c.value];
    const lits = vals.map((v, i) => literal(ctx, raw, type, lts ? lts[i] : c.literalType, v,
      Array.isArray(c.dateLiteralVariable) ? c.dateLiteralVariable[i] : c.dateLiteralVariable));
    if (op === 'INCLUDES' || op === 'EXCLUDES') {
      // Each value is a ';'-separated set that must all be selected.
      const sets = lits.map((l) => String(l.raw || l.v || '').toLowerCase().split(';').map((s) => s.trim()));
      const inc = (r) => {
        const v = get(r);
        if (v == null) return false;
        const have = new Set(String(v).toLowerCase().split(';'));
        return sets.some((s) => s.every((x) => have.has(x)));
      };
      return op === 'INCLUDES' ? inc : (r) => !inc(r);
    }
    const ranges = lits.filter((l) => l.range);
    const set = new Set(lits.filter((l) => !l.range && !l.nul).map((l) => l.v));
    const hasNull = lits.some((l) => l.nul);
    const isIn = (r) => {
      const v = get(r);
      if (v == null) return hasNull;
      if (set.has(norm(kind, v))) return true;
      for (const [lo, hi] of ranges) if (v >= lo && v < hi) return true;
      return false;
    };
    return op === 'IN' ? isIn : (r) => !isIn(r);
  }
  if (op === 'LIKE') {
    if (kind !== 'str') throw bad(ctx, 'INVALID_FIELD', raw, `invalid operator on ${TYPE_WORD[type] || type} field: ${raw}`);
    const re = likeRegex(unquote(c.value));
    return (r) => { const v = get(r); return v != null && re.test(v); };
  }
  const l = literal(ctx, raw, type, c.literalType, c.value, c.dateLiteralVariable);
  if (l.nul) {
    if (op === '=') return (r) => get(r) == null;
    if (op === '!=' || op === '<>') return (r) => get(r) != null;
    throw bad(ctx, 'MALFORMED_QUERY', raw, 'invalid operator for null');
  }
  if (l.range) {
    const [lo, hi] = l.range;
    switch (op) {
      case '=': return (r) => { const v = get(r); return v != null && v >= lo && v < hi; };
      case '!=': case '<>': return (r) => { const v = get(r); return v == null || v < lo || v >= hi; };
      case '<': return (r) => { const v = get(r); return v != null && v < lo; };
      case '<=': return (r) => { const v = get(r); return v != null && v < hi; };
      case '>': return (r) => { const v = get(r); return v != null && v >= hi; };
      case '>=': return (r) => { const v = get(r); return v != null && v >= lo; };
      default: break;
    }
  } else {
    const L = l.v;
    const g = kind === 'str' ? (r) => { const v = get(r); return v == null ? null : String(v).toLowerCase(); } : get;
    switch (op) {
      case '=': return (r) => g(r) === L;
      case '!=': case '<>': return (r) => g(r) !== L;
      case '<': return (r) => { const v = g(r); return v != null && v < L; };
      case '<=': return (r) => { const v = g(r); return v != null && v <= L; };
      case '>': return (r) => { const v = g(r); return v != null && v > L; };
      case '>=': return (r) => { const v = g(r); return v != null && v >= L; };
      default: break;
    }
  }
  throw bad(ctx, 'MALFORMED_QUERY', raw, `unexpected operator: ${op}`);
}

function compileTree(ctx, tree, resolve, semi) {
  switch (tree.op) {
    case 'AND': { const a = compileTree(ctx, tree.a, resolve, semi); const b = compileTree(ctx, tree.b, resolve, semi); return (r) => a(r) && b(r); }
    case 'OR': { const a = compileTree(ctx, tree.a, resolve, semi); const b = compileTree(ctx, tree.b, resolve, semi); return (r) => a(r) || b(r); }
    case 'NOT': { const a = compileTree(ctx, tree.a, resolve, semi); return (r) => !a(r); }
    default: return compileCond(ctx, tree.c, resolve, semi);
  }
}

/** Semi-joins are allowed only as top-level AND terms (salesforce.md 5.4). */
function checkSemiJoins(ctx, tree) {
  let count = 0;
  const walk = (t, top) => {
    if (t.op === 'COND') {
      if (t.c.valueQuery) {
        if (!top) throw new SfError(400, 'MALFORMED_QUERY', caret(ctx.q, 'SELECT', ctx.q.toUpperCase().indexOf('SELECT', 6)) +
          'Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.');
        count++;
      }
      return;
    }
    walk(t.a, top && t.op === 'AND');
    if (t.b) walk(t.b, top && t.op === 'AND');
  };
  walk(tree, true);
  if (count > 2) throw new SfError(400, 'MALFORMED_QUERY', caret(ctx.q, 'SELECT', 7) + 'Maximum 2 semi join sub-selects are allowed');
}

/** Top-level AND terms, to find an indexed starting set. */
function andTerms(tree, out = []) {
  if (tree.op === 'AND') { andTerms(tree.a, out); andTerms(tree.b, out); } else out.push(tree);
  return out;
}

// ---------------------------------------------------------------- query

function parse(ctx) {
  const q = ctx.q;
  // SOQL has no comments (salesforce.md 0.16): a comment outside a string is malformed.
  const stripped = q.replace(/'(?:\\.|[^'\\])*'/g, "''");
  if (/--|\/\*/.test(stripped)) {
    const at = stripped.search(/--|\/\*/);
    throw new SfError(400, 'MALFORMED_QUERY', caret(q, q.substr(at, 2).replace(/[*]/g, '*')) + `unexpected token: '${q.substr(at, 2)}'`);
  }
  try {
    return parseQuery(q);
  } catch (e) {
    const m = /found: '?([^'\s]+)/.exec(e.message || '') || /character: ->(.)<-/.exec(e.message || '');
    const tok = m ? m[1] : '';
    throw new SfError(400, 'MALFORMED_QUERY', caret(q, tok) + `unexpected token: ${tok ? `'${tok}'` : '<EOF>'}`);
  }
}

/**
 * An org that refuses the security clauses over REST (--refuse-with, or
 * the control call POST options).  Nothing documents what a real org
 * answers (salesforce.md 11): a GUESS, MALFORMED_QUERY with the caret
 * at WITH and "unexpected token", the form of sfsim's other parse
 * errors; the errorCode is configurable (refuse_with_code).
 */
function refuseClause(ctx) {
  const refuse = ctx.cfg.refuseWith || [];
  const which = ctx.mode === 'security' ? 'SECURITY_ENFORCED' : ctx.mode === 'user' ? 'USER_MODE' : null;
  if (which && refuse.includes(which)) {
    throw bad(ctx, ctx.cfg.refuseWithCode || 'MALFORMED_QUERY', 'WITH', "unexpected token: 'WITH'");
  }
}

/**
 * FIELDS(ALL) and FIELDS(CUSTOM) need LIMIT 200 or less; FIELDS(STANDARD)
 * does not (SOQL and SOSL Reference, "FIELDS()").  The message is the one
 * a practitioner reports ("The SOQL FIELDS function is not supported with
 * an unbounded set of fields in this API."); the errorCode MALFORMED_QUERY
 * is a GUESS.  Checked on the outer query, where the reference states it.
 */
function unboundedFields(ctx, ast) {
  const unbounded = (ast.fields || []).some((f) => f.type === 'FieldFunctionExpression' &&
    String(f.functionName).toUpperCase() === 'FIELDS' && String(f.parameters[0]).toUpperCase() !== 'STANDARD');
  if (unbounded && !(Number.isInteger(ast.limit) && ast.limit <= 200)) {
    throw bad(ctx, 'MALFORMED_QUERY', 'FIELDS', 'The SOQL FIELDS function is not supported with an unbounded set of fields in this API.');
  }
}

/**
 * Parent-to-child levels, the outer query first: five from API v58.0, two
 * before ("Using Relationship Queries"; salesforce.md 11).  Checked on the
 * parsed query before any relationship is looked up.  The errorCode and
 * text are a GUESS.
 */
function childLevels(ctx, ast) {
  const v = Number(String(ctx.version || 'v60.0').replace(/^v/, ''));
  const max = v >= 58 ? 5 : 2;
  const depth = (q) => 1 + Math.max(0, ...(q.fields || []).filter((f) => f.type === 'FieldSubquery').map((f) => depth(f.subquery)));
  if (depth(ast) > max) {
    throw bad(ctx, 'MALFORMED_QUERY', 'SELECT', `SOQL statements cannot query more than ${max} levels of parent-to-child relationships`);
  }
}

/** Run a SOQL query.  Returns {kind:'count'|'agg'|'rows', ...}. */
function runQuery(db, q, opts) {
  const ctx = {
    db, q, cfg: opts.cfg, version: opts.version, today: opts.today, zone: opts.zone,
    mode: 'none',
  };
  const ast = parse(ctx);
  if (ast.for && String(ast.for).toUpperCase() === 'UPDATE') {
    throw bad(ctx, 'MALFORMED_QUERY', 'UPDATE', "FOR UPDATE is not allowed in this context");
  }
  if (ast.withSecurityEnforced) ctx.mode = 'security';
  if (ast.withAccessLevel && String(ast.withAccessLevel).toUpperCase() === 'USER_MODE') ctx.mode = 'user';
  refuseClause(ctx);
  unboundedFields(ctx, ast);
  childLevels(ctx, ast);
  return compileSelect(ctx, ast, null);
}

function fieldItems(ctx, obj, ast) {
  // Expand FIELDS(ALL|STANDARD|CUSTOM) into plain fields.
  const out = [];
  for (const f of ast.fields) {
    if (f.type === 'FieldFunctionExpression' && String(f.functionName).toUpperCase() === 'FIELDS') {
      const which = String(f.parameters[0]).toUpperCase();
      for (const d of obj.fields) {
        if (d.hidden || fieldAbsent(d, ctx.version, ctx.cfg)) continue;
        if ((which === 'STANDARD' && d.custom) || (which === 'CUSTOM' && !d.custom)) continue;
        out.push({ type: 'Field', field: d.name });
      }
    } else out.push(f);
  }
  return out;
}

function compileSelect(ctx, ast, parentLink) {
  const obj = getObject(ast.sObject);
  if (!obj || objectAbsent(obj, ctx.version, ctx.cfg)) {
    throw bad(ctx, 'INVALID_TYPE', ast.sObject, `sObject type '${ast.sObject}' is not supported.${NO_TYPE_TAIL}`);
  }
  const db = ctx.db;
  const fields = fieldItems(ctx, obj, ast);
  const isAgg = (f) => f.type === 'FieldFunctionExpression' && f.isAggregateFn;
  const aggregate = fields.some(isAgg) || (ast.groupBy && ast.groupBy.length > 0);

  // WHERE (semi-join subqueries are run once, here).
  const semi = (c, op) => {
    const sub = c.valueQuery;
    const path = resolvePath(ctx, obj, c.field, 'where');
    if (path.type !== 'id' && path.type !== 'reference') {
      throw bad(ctx, 'INVALID_FIELD', c.field, `Field '${c.field}' must be an Id or a reference field for semi join`);
    }
    const subObj = getObject(sub.sObject);
    if (subObj && SEMI_JOIN_FORBIDDEN.has(subObj.name)) {
      throw new SfError(400, ctx.cfg.semiJoinErrorCode, caret(ctx.q, sub.sObject) + `Entity '${subObj.name}' is not supported for semi join inner selects`);
    }
    if (!sub.fields || sub.fields.length !== 1 || sub.fields[0].type !== 'Field') {
      throw bad(ctx, 'MALFORMED_QUERY', sub.sObject, 'The selected field in a semi join sub-select must be a single Id or reference field');
    }
    const res = compileSelect(ctx, sub, null);
    const subPath = resolvePath(ctx, subObj, sub.fields[0].field, 'where');
    const subGet = pathGetter(db, subPath);
    const set = new Set();
    for (const r of res.records) { const v = subGet(r); if (v != null) set.add(v); }
    const get = pathGetter(db, path);
    return op === 'NOT IN' ? (r) => !set.has(get(r)) : (r) => set.has(get(r));
  };
  let pred = null;
  let tree = null;
  if (ast.where) {
    tree = buildTree(ast.where);
    checkSemiJoins(ctx, tree);
    const resolve = (c) => {
      if (c.fn) throw bad(ctx, 'MALFORMED_QUERY', c.fn.rawValue, 'Aggregate functions are not allowed in WHERE; use HAVING');
      const p = resolvePath(ctx, obj, c.field, 'where');
      return { get: pathGetter(db, p), type: p.type, raw: c.field };
    };
    pred = compileTree(ctx, tree, resolve, semi);
  }

  const offset = ast.offset || 0;
  if (offset > 2000) throw new SfError(400, 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');

  // Candidate rows: use an id or foreign-key index when a top-level AND
  // term pins one down, else scan the table.
  const candidates = () => {
    let best = null;
    if (tree) {
      for (const t of andTerms(tree)) {
        const c = t.c;
        if (t.op !== 'COND' || c.valueQuery || !c.field || c.field.includes('.')) continue;
        const op = String(c.operator).toUpperCase();
        if (op !== '=' && op !== 'IN') continue;
        const f = obj.fieldMap.get(String(c.field).toLowerCase());
        if (!f || (f.type !== 'id' && f.type !== 'reference')) continue;
        const lts = [].concat(c.literalType);
        if (lts.some((lt) => String(lt).toUpperCase() !== 'STRING')) continue; // e.g. = null
        const vals = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => ids.normalize(unquote(v)));
        if (vals.some((v) => !v)) continue; // let the predicate report the bad id
        let list = [];
        if (f.type === 'id') {
          for (const v of vals) { const r = db.get(obj.name, v); if (r) list.push(r); }
          const seen = new Set(); list = list.filter((r) => !seen.has(r) && seen.add(r));
        } else {
          // Each index list is in table order; ids grow with insertion
          // and base62 sorts like ASCII, so merging by Id keeps that order.
          const idx = db.children(obj.name, f.name);
          const uniq = [...new Set(vals)];
          for (const v of uniq) { const l = idx.get(v); if (l) for (const r of l) list.push(r); }
          if (uniq.length > 1) list.sort((x, y) => (x.Id < y.Id ? -1 : x.Id > y.Id ? 1 : 0));
        }
        if (list && (!best || list.length < best.length)) best = list;
      }
    }
    return best || db.tables[obj.name].records;
  };
  const filtered = (src0) => {
    const src = src0 || candidates();
    if (!pred) return src.slice();
    const out = [];
    for (let i = 0; i < src.length; i++) if (pred(src[i])) out.push(src[i]);
    return out;
  };

  if (aggregate) return compileAggregate(ctx, obj, ast, fields, filtered);

  // Plain rows: ORDER BY, OFFSET, LIMIT, projection.
  const order = compileOrder(ctx, (item) => {
    if (item.fn) throw bad(ctx, 'MALFORMED_QUERY', item.fn.rawValue, 'Ordered field must be grouped or aggregated');
    const p = resolvePath(ctx, obj, item.field, 'order');
    return { get: pathGetter(db, p), type: p.type };
  }, ast.orderBy);
  const shape = buildShape(ctx, obj, fields);
  const limit = ast.limit;
  const run = (src) => {
    let rows = filtered(src);
    if (order) rows = order(rows, limit != null ? offset + limit : null);
    if (offset) rows = rows.slice(offset);
    if (limit != null && rows.length > limit) rows = rows.slice(0, limit);
    return rows;
  };
  if (parentLink) return { run, shape, obj };
  const records = run();
  const countOnly = fields.length === 1 && fields[0].type === 'FieldFunctionExpression';
  if (countOnly) return { kind: 'count', totalSize: records.length };
  return { kind: 'rows', records, project: (r) => project(ctx, shape, obj.name, r) };
}

/** ORDER BY: a function sorting an array (stable; nulls first ascending, last descending by default). */
function compileOrder(ctx, resolve, orderBy) {
  if (!orderBy || orderBy.length === 0) return null;
  const keys = orderBy.map((o) => {
    const { get, type } = resolve(o);
    const desc = String(o.order || 'ASC').toUpperCase() === 'DESC';
    const nullsFirst = o.nulls ? String(o.nulls).toUpperCase() === 'FIRST' : !desc;
    const kind = kindOf(type);
    return { get, desc, nullsFirst, kind };
  });
  const cmp = (a, b) => {
      for (let j = 0; j < keys.length; j++) {
        const x = a.k[j]; const y = b.k[j];
        if (x === y) continue;
        if (x == null) return keys[j].nullsFirst ? -1 : 1;
        if (y == null) return keys[j].nullsFirst ? 1 : -1;
        const c = x < y ? -1 : x > y ? 1 : 0;
        if (c) return keys[j].desc ? -c : c;
      }
      return a.i - b.i;
  };
  const decorate = (r, i) => ({ r, i, k: keys.map((k) => { const v = k.get(r); return v == null ? null : norm(k.kind, v); }) });
  return (rows, topK) => {
    if (topK != null && topK <= 2100 && rows.length > topK * 4) {
      // ORDER BY ... LIMIT k over a big table: keep only the best k.
      const best = [];
      for (let i = 0; i < rows.length; i++) {
        const d = decorate(rows[i], i);
        if (best.length === topK && cmp(d, best[topK - 1]) >= 0) continue;
        let lo = 0; let hi = best.length;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (cmp(best[mid], d) <= 0) lo = mid + 1; else hi = mid; }
        best.splice(lo, 0, d);
        if (best.length > topK) best.pop();
      }
      return best.map((d) => d.r);
    }
    const dec = rows.map(decorate);
    dec.sort(cmp);
    return dec.map((d) => d.r);
  };
}

// ------------------------------------------------------------ projection

/**
 * The output shape: plain fields, parent relationships (merged, in order
 * of first appearance) and child subqueries.
 */
function buildShape(ctx, obj, fields) {
  const root = [];
  const relNode = (list, step) => {
    let n = list.find((e) => e.k === 'rel' && e.name === step.rel);
    if (!n) { n = { k: 'rel', name: step.rel, fk: step.fk, target: step.target, entries: [] }; list.push(n); }
    return n;
  };
  for (const f of fields) {
    if (f.type === 'Field' || f.type === 'FieldRelationship' ||
        (f.type === 'FieldFunctionExpression' && ['TOLABEL', 'FORMAT', 'CONVERTCURRENCY'].includes(String(f.functionName).toUpperCase()))) {
      const raw = f.type === 'FieldRelationship' ? f.rawValue : f.type === 'Field' ? f.field : f.parameters[0];
      const p = resolvePath(ctx, obj, raw, 'select');
      let list = root;
      for (const s of p.steps) list = relNode(list, s).entries;
      if (!list.some((e) => e.k === 'f' && e.name === p.leaf.name)) list.push({ k: 'f', name: p.leaf.name, type: p.leaf.type, virtualType: p.leaf.virtualType });
    } else if (f.type === 'FieldSubquery') {
      const sub = f.subquery;
      const rel = obj.children.find((c) => c.relationshipName.toLowerCase() === String(sub.relationshipName).toLowerCase());
      if (!rel) {
        throw bad(ctx, 'INVALID_TYPE', sub.relationshipName, `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call.${NO_REL_TAIL}`);
      }
      const compiled = compileSelect(ctx, { ...sub, sObject: rel.childSObject }, rel);
      root.push({ k: 'child', name: rel.relationshipName, childObj: rel.childSObject, field: rel.field, compiled });
    } else if (f.type === 'FieldTypeof') {
      root.push(typeofShape(ctx, obj, f));
    } else {
      throw bad(ctx, 'MALFORMED_QUERY', f.rawValue || f.functionName, `unexpected token: ${f.rawValue || f.functionName}`);
    }
  }
  return root;
}

/**
 * TYPEOF rel WHEN Type THEN fields ... [ELSE fields] END (SOQL and SOSL
 * Reference, "TYPEOF"): the polymorphic parent as an object whose fields
 * are those of the branch for its type.  "The typeOfField can't also
 * appear in fieldList" is not checked.  WITH SECURITY_ENFORCED cannot be
 * used with TYPEOF ... ELSE (salesforce.md 5.2); the answer, MALFORMED_QUERY,
 * is a GUESS, as is null for a parent whose type has no branch and no ELSE.
 */
function typeofShape(ctx, obj, f) {
  const fk = obj.relMap.get(String(f.field).toLowerCase());
  if (!fk || fk.hidden || fk.ref.length < 2) {
    throw bad(ctx, 'INVALID_FIELD', f.field, `TYPEOF needs a polymorphic relationship; '${f.field}' is not one on entity '${obj.name}'`);
  }
  const branches = new Map();
  let elseEntries = null;
  for (const c of f.conditions) {
    if (c.type === 'ELSE') {
      if (ctx.mode === 'security') {
        throw bad(ctx, 'MALFORMED_QUERY', 'ELSE', 'WITH SECURITY_ENFORCED cannot be used with TYPEOF ... ELSE');
      }
      elseEntries = c.fieldList.map((n) => {
        const leaf = POLY_FIELDS[String(n).toLowerCase()];
        if (!leaf) throw bad(ctx, 'INVALID_FIELD', n, `No such column '${n}' on entity 'Name'.${NO_COLUMN_TAIL}`);
        return { k: 'f', name: leaf.name, type: leaf.type, virtualType: leaf.virtualType };
      });
      continue;
    }
    const target = fk.ref.find((t) => t.toLowerCase() === String(c.objectType).toLowerCase());
    if (!target) {
      throw bad(ctx, 'INVALID_FIELD', c.objectType, `'${c.objectType}' is not a type '${fk.rel}' can refer to`);
    }
    const tobj = getObject(target);
    const entries = [];
    for (const n of c.fieldList) {
      const p = resolvePath(ctx, tobj, n, 'select');
      if (p.steps.length > 0) throw bad(ctx, 'MALFORMED_QUERY', n, 'sfsim supports plain fields in TYPEOF branches');
      entries.push({ k: 'f', name: p.leaf.name, type: p.leaf.type, virtualType: p.leaf.virtualType });
    }
    branches.set(target, entries);
  }
  return { k: 'typeof', name: fk.rel, fk: fk.name, branches, elseEntries };
}

function project(ctx, shape, typeName, r) {
  const out = { attributes: { type: typeName, url: `/services/data/${ctx.version}/sobjects/${typeName}/${r.Id}` } };
  for (const e of shape) {
    if (e.k === 'f') {
      out[e.name] = e.virtualType ? typeName : fmtValue(e.type, r[e.name] === undefined ? null : r[e.name]);
    } else if (e.k === 'typeof') {
      const id = r[e.fk];
      const p = id == null ? null : lookup(ctx.db, id, null);
      const t = p ? typeOfRecord(p, null) : null;
      const entries = t && e.branches.has(t) ? e.branches.get(t) : e.elseEntries;
      out[e.name] = p && entries ? project(ctx, entries, t, p) : null;
    } else if (e.k === 'rel') {
      const id = r[e.fk];
      const p = id == null ? null : lookup(ctx.db, id, e.target);
      out[e.name] = p ? project(ctx, e.entries, e.target ? e.target.name : typeOfRecord(p, 'Name'), p) : null;
    } else {
      const kids = ctx.db.children(e.childObj, e.field).get(r.Id);
      if (!kids || kids.length === 0) { out[e.name] = null; continue; }
      const { run, shape: sub } = e.compiled;
      const rows = run(kids);
      out[e.name] = rows.length === 0 ? null
        : { totalSize: rows.length, done: true, records: rows.map((k) => project(ctx, sub, e.childObj, k)) };
    }
  }
  return out;
}

// ------------------------------------------------------------ aggregates

function compileAggregate(ctx, obj, ast, fields, filtered) {
  const db = ctx.db;
  const groupBy = (ast.groupBy || []).map((g) => {
    if (!g.field) throw bad(ctx, 'MALFORMED_QUERY', 'GROUP', 'sfsim supports GROUP BY on fields only');
    const p = resolvePath(ctx, obj, g.field, 'group');
    if (!p.leaf.groupable && p.leaf.type !== 'id' && !p.leaf.virtualType) {
      throw bad(ctx, 'INVALID_FIELD', g.field, `field '${p.leaf.name}' can not be grouped in a query call`);
    }
    return { p, get: pathGetter(db, p), key: g.field.toLowerCase() };
  });
  const aggs = [];
  const aggSpec = (fnName, param, raw) => {
    const fn = String(fnName).toUpperCase();
    const key = `${fn}(${param ? String(param).toLowerCase() : ''})`;
    let a = aggs.find((x) => x.key === key);
    if (a) return a;
    let get = null;
    let type = 'int';
    if (param) {
      const p = resolvePath(ctx, obj, param, 'select');
      get = pathGetter(db, p);
      const kind = kindOf(p.type);
      if ((fn === 'SUM' || fn === 'AVG') && kind !== 'num') {
        throw bad(ctx, 'MALFORMED_QUERY', param, `field ${p.leaf.name} does not support aggregate operator ${fn}`);
      }
      type = fn === 'COUNT' || fn === 'COUNT_DISTINCT' ? 'int' : fn === 'SUM' || fn === 'AVG' ? 'double' : p.type;
      // A multi-currency org: with GROUP BY or HAVING, currency
      // aggregates are in the corporate currency (salesforce.md 11,
      // [DOC] soql_sosl convertCurrency()).  Each record's own value is
      // converted at its currency's ConversionRate (a single rate: dated
      // rates are not simulated); parent fields are not converted.
      // With advanced currency management (cfg.datedRates), an
      // opportunity's amounts convert at the dated rate of its CloseDate
      // ("convertCurrency()": dated exchange rates are used for currency
      // fields on opportunities, the rate corresponding to CloseDate).
      const cur = ctx.cfg && ctx.cfg.currencies;
      if (p.type === 'currency' && cur && cur.length && (groupBy.length || ast.having) && p.steps.length === 0) {
        const rate = new Map(cur.map((c) => [c.iso, c.rate]));
        const periods = obj.name === 'Opportunity' ? datedPeriods(cur, ctx.cfg.datedRates) : [];
        const rateOf = (r) => {
          if (periods.length && r.CloseDate) {
            const hit = periods.find((x) => x.iso === r.CurrencyIsoCode && x.start <= r.CloseDate && (x.next === null || r.CloseDate < x.next));
            if (hit) return hit.rate;
          }
          return rate.get(r.CurrencyIsoCode) || 1;
        };
        const own = get;
        get = (r) => { const v = own(r); return v == null ? v : v / rateOf(r); };
      }
    } else if (fn !== 'COUNT') {
      throw bad(ctx, 'MALFORMED_QUERY', raw, `unexpected token: ${raw}`);
    }
    a = { key, fn, get, type, i: aggs.length };
    aggs.push(a);
    return a;
  };
  // SELECT list: each item is a group field or an aggregate.
  let expr = 0;
  const out = [];
  let countOnly = false;
  for (const f of fields) {
    if (f.type === 'FieldFunctionExpression' && f.isAggregateFn) {
      if (String(f.functionName).toUpperCase() === 'COUNT' && f.parameters.length === 0) {
        countOnly = true;
        continue;
      }
      const a = aggSpec(f.functionName, f.parameters[0], f.rawValue);
      out.push({ name: f.alias || `expr${expr++}`, agg: a });
    } else if (f.type === 'Field' || f.type === 'FieldRelationship') {
      const raw = f.type === 'Field' ? f.field : f.rawValue;
      const gi = groupBy.findIndex((g) => g.key === raw.toLowerCase());
      if (gi < 0) throw bad(ctx, 'MALFORMED_QUERY', raw, `Field must be grouped or aggregated: ${raw.split('.').pop()}`);
      // A grouped relationship field comes back under its leaf name (salesforce.md 0.6).
      out.push({ name: f.alias || groupBy[gi].p.leaf.name, group: gi });
    } else {
      throw bad(ctx, 'MALFORMED_QUERY', f.rawValue || 'SELECT', `unexpected token: ${f.rawValue || f.type}`);
    }
  }
  if (countOnly) {
    if (out.length || groupBy.length) throw bad(ctx, 'MALFORMED_QUERY', 'COUNT', 'COUNT() must be the only element in the SELECT list');
    let n = filtered().length;
    if (ast.offset) n = Math.max(0, n - ast.offset);
    if (ast.limit != null) n = Math.min(n, ast.limit);
    return { kind: 'count', totalSize: n };
  }
  if (ast.limit != null && groupBy.length === 0) {
    throw bad(ctx, 'MALFORMED_QUERY', 'LIMIT', 'LIMIT with an aggregate function requires GROUP BY');
  }
  // HAVING and ORDER BY may name more aggregates; they are computed too.
  const groupResolve = (c) => {
    if (c.fn) {
      const a = aggSpec(c.fn.functionName, c.fn.parameters && c.fn.parameters[0], c.fn.rawValue);
      return { get: (g) => g.vals[a.i], type: a.type, raw: c.fn.rawValue };
    }
    const gi = groupBy.findIndex((g) => g.key === String(c.field).toLowerCase());
    if (gi < 0) throw bad(ctx, 'MALFORMED_QUERY', c.field, `Ordered field must be grouped or aggregated: ${c.field}`);
    return { get: (g) => g.keys[gi], type: groupBy[gi].p.type, raw: c.field };
  };
  const having = ast.having ? compileTree(ctx, buildTree(ast.having), groupResolve, () => {
    throw bad(ctx, 'MALFORMED_QUERY', 'SELECT', 'Semi joins are not allowed in HAVING');
  }) : null;
  const order = compileOrder(ctx, groupResolve, ast.orderBy);

  const groups = new Map();
  for (const r of filtered()) {
    const keys = groupBy.map((g) => g.get(r));
    const k = keys.map((v) => (v == null ? '\u0000' : kindOf(groupBy[0].p.type) === 'str' ? String(v).toLowerCase() : String(v))).join('\u0001');
    let g = groups.get(k);
    if (!g) {
      g = { keys, acc: aggs.map((a) => ({ n: 0, sum: 0, min: null, max: null, set: a.fn === 'COUNT_DISTINCT' ? new Set() : null })) };
      groups.set(k, g);
    }
    for (const a of aggs) {
      const acc = g.acc[a.i];
      if (!a.get) { acc.n++; continue; }
      const v = a.get(r);
      if (v == null) continue;
      acc.n++;
      if (acc.set) acc.set.add(typeof v === 'string' ? v.toLowerCase() : v);
      if (typeof v === 'number') acc.sum += v;
      if (acc.min === null || v < acc.min) acc.min = v;
      if (acc.max === null || v > acc.max) acc.max = v;
    }
  }
  // No GROUP BY: one row even over zero records.
  if (groupBy.length === 0 && groups.size === 0) {
    groups.set('', { keys: [], acc: aggs.map(() => ({ n: 0, sum: 0, min: null, max: null, set: new Set() })) });
  }
  let rows = [...groups.values()];
  for (const g of rows) {
    g.vals = aggs.map((a) => {
      const acc = g.acc[a.i];
      switch (a.fn) {
        case 'COUNT': return acc.n;
        case 'COUNT_DISTINCT': return acc.set.size;
        case 'SUM': return acc.n ? acc.sum : null;
        case 'AVG': return acc.n ? acc.sum / acc.n : null;
        case 'MIN': return acc.min;
        case 'MAX': return acc.max;
        default: return null;
      }
    });
  }
  if (having) rows = rows.filter(having);
  if (order) rows = order(rows);
  if (ast.offset) rows = rows.slice(ast.offset);
  if (ast.limit != null) rows = rows.slice(0, ast.limit);
  if (rows.length > ctx.cfg.maxGroups) {
    throw new SfError(400, 'MALFORMED_QUERY', `Aggregate query returned more than ${ctx.cfg.maxGroups} groups; GROUP BY results cannot be paged. Narrow the filter.`);
  }
  const records = rows.map((g) => {
    const o = { attributes: { type: 'AggregateResult' } };
    for (const c of out) {
      if (c.agg) o[c.name] = fmtValue(c.agg.type, g.vals[c.agg.i]);
      else o[c.name] = fmtValue(groupBy[c.group].p.type, g.keys[c.group]);
    }
    return o;
  });
  return { kind: 'agg', records };
}

module.exports = { runQuery, resolvePath, fmtValue, unquote, likeRegex, buildTree };
