'use strict';
// Date handling.  Date fields are stored as 'YYYY-MM-DD' strings (they
// sort and compare correctly as strings); datetime fields as epoch
// milliseconds (UTC), formatted only on output.  Date literals (TODAY,
// LAST_N_DAYS:n...) are evaluated in the integration user's time zone
// (TimeZoneSidKey; GMT unless --user-time-zone says otherwise), as the
// SOQL reference says Salesforce does (README.md).

const DAY = 86400000;
const cache = new Map();

/** Day number (days since 1970-01-01) to 'YYYY-MM-DD', cached: 500k records share few dates. */
function dayStr(n) {
  let s = cache.get(n);
  if (s === undefined) {
    s = new Date(n * DAY).toISOString().slice(0, 10);
    cache.set(n, s);
  }
  return s;
}

function dayNum(s) {
  return Math.floor(Date.parse(s + 'T00:00:00Z') / DAY);
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Salesforce's REST datetime form: 2013-05-20T20:49:32.000+0000. */
function fmtDateTime(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}+0000`;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

function isValidDate(s) {
  if (!DATE_RE.test(s)) return false;
  const t = Date.parse(s + 'T00:00:00Z');
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

/** Parse a datetime literal or an API datetime value; NaN if invalid. */
function parseDateTime(s) {
  const m = DATETIME_RE.exec(String(s));
  if (!m || !isValidDate(m[1])) return NaN;
  let tz = m[6];
  if (tz !== 'Z' && !tz.includes(':')) tz = tz.slice(0, 3) + ':' + tz.slice(3);
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}${m[5] || ''}${tz}`);
}

const zoneFmt = new Map();
/** The UTC offset of zone at the instant ms, in milliseconds. */
function zoneOffsetMs(zone, ms) {
  let f = zoneFmt.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFmt.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return wall - (ms - (ms % 1000 + 1000) % 1000);
}
/** Is zone a time zone Node knows (an IANA name)? */
function zoneValid(zone) {
  try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return typeof zone === 'string' && zone.length > 0; } catch { return false; }
}
/** The day number of the instant ms in zone. */
function zoneDay(zone, ms) {
  return Math.floor((ms + zoneOffsetMs(zone, ms)) / DAY);
}
/** The instant of 00:00 of day n in zone (the offset of that moment). */
function zoneDayStart(zone, n) {
  let t = n * DAY - zoneOffsetMs(zone, n * DAY);
  t = n * DAY - zoneOffsetMs(zone, t);
  return t;
}

function ymd(n) {
  const d = new Date(n * DAY);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth(), d: d.getUTCDate(), dow: d.getUTCDay() };
}
const dayOf = (y, m, d) => Math.floor(Date.UTC(y, m, d) / DAY);

/**
 * A SOQL date literal as a half-open range of day numbers [lo, hi).
 * today is a day number.  Weeks start on Sunday (en_US locale).  The
 * fiscal year is the calendar year (the default org setting).
 * Returns null for a literal this simulator does not know.
 */
function literalRange(lit, n, today) {
  const t = ymd(today);
  const weekStart = today - t.dow;
  const q = Math.floor(t.m / 3);
  const month = (k) => [dayOf(t.y, t.m + k, 1), dayOf(t.y, t.m + k + 1, 1)];
  const quarter = (k) => [dayOf(t.y, (q + k) * 3, 1), dayOf(t.y, (q + k) * 3 + 3, 1)];
  const year = (k) => [dayOf(t.y + k, 0, 1), dayOf(t.y + k + 1, 0, 1)];
  switch (lit) {
    case 'YESTERDAY': return [today - 1, today];
    case 'TODAY': return [today, today + 1];
    case 'TOMORROW': return [today + 1, today + 2];
    case 'LAST_WEEK': return [weekStart - 7, weekStart];
    case 'THIS_WEEK': return [weekStart, weekStart + 7];
    case 'NEXT_WEEK': return [weekStart + 7, weekStart + 14];
    case 'LAST_MONTH': return month(-1);
    case 'THIS_MONTH': return month(0);
    case 'NEXT_MONTH': return month(1);
    case 'LAST_90_DAYS': return [today - 90, today + 1];
    case 'NEXT_90_DAYS': return [today + 1, today + 91];
    case 'LAST_QUARTER': case 'LAST_FISCAL_QUARTER': return quarter(-1);
    case 'THIS_QUARTER': case 'THIS_FISCAL_QUARTER': return quarter(0);
    case 'NEXT_QUARTER': case 'NEXT_FISCAL_QUARTER': return quarter(1);
    case 'LAST_YEAR': case 'LAST_FISCAL_YEAR': return year(-1);
    case 'THIS_YEAR': case 'THIS_FISCAL_YEAR': return year(0);
    case 'NEXT_YEAR': case 'NEXT_FISCAL_YEAR': return year(1);
    // LAST_N_DAYS includes today; NEXT_N_DAYS starts tomorrow (salesforce.md 0.12).
    case 'LAST_N_DAYS': return [today - n, today + 1];
    case 'NEXT_N_DAYS': return [today + 1, today + 1 + n];
    case 'N_DAYS_AGO': return [today - n, today - n + 1];
    case 'LAST_N_WEEKS': return [weekStart - 7 * n, weekStart];
    case 'NEXT_N_WEEKS': return [weekStart + 7, weekStart + 7 + 7 * n];
    case 'N_WEEKS_AGO': return [weekStart - 7 * n, weekStart - 7 * n + 7];
    case 'LAST_N_MONTHS': return [month(-n)[0], month(0)[0]];
    case 'NEXT_N_MONTHS': return [month(1)[0], month(n + 1)[0]];
    case 'N_MONTHS_AGO': return month(-n);
    case 'LAST_N_QUARTERS': case 'LAST_N_FISCAL_QUARTERS': return [quarter(-n)[0], quarter(0)[0]];
    case 'NEXT_N_QUARTERS': case 'NEXT_N_FISCAL_QUARTERS': return [quarter(1)[0], quarter(n + 1)[0]];
    case 'N_QUARTERS_AGO': case 'N_FISCAL_QUARTERS_AGO': return quarter(-n);
    case 'LAST_N_YEARS': case 'LAST_N_FISCAL_YEARS': return [year(-n)[0], year(0)[0]];
    case 'NEXT_N_YEARS': case 'NEXT_N_FISCAL_YEARS': return [year(1)[0], year(n + 1)[0]];
    case 'N_YEARS_AGO': case 'N_FISCAL_YEARS_AGO': return year(-n);
    default: return null;
  }
}

module.exports = { DAY, dayStr, dayNum, fmtDateTime, isValidDate, parseDateTime, literalRange, dayOf, ymd, zoneOffsetMs, zoneValid, zoneDay, zoneDayStart };
