'use strict';
// The record store and the seeded RevOps org.  Records are plain objects
// keyed by canonical field name (one hidden class per object type keeps
// 500k opportunities compact); each object has an array in insertion
// order plus a Map by 18-character id.  No per-record closures.

const ids = require('./ids');
const { OBJECTS, STAGES, STAGE } = require('./schema');
const { DAY, dayStr, dayNum, dayOf, ymd } = require('./dates');
const { datedPeriods } = require('./currency');

/** mulberry32: small, fast, deterministic. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Store {
  constructor() {
    this.tables = {};
    for (const name of Object.keys(OBJECTS)) this.tables[name] = { records: [], byId: new Map() };
    this.counters = new Map();
    this.childIndex = new Map(); // "Object.Field" -> Map(parentId -> [records])
    this.undo = null;            // an array while a composite transaction runs
    this.history = [];           // committed field changes (GET /__sim/history)
    this.historySeq = 0;
  }

  /** One field change; undone with the transaction it belongs to. */
  logChange(c) {
    const entry = { seq: ++this.historySeq, ...c };
    this.history.push(entry);
    if (this.history.length > 100000) this.history.shift();
    if (this.undo) {
      this.undo.push(() => {
        const i = this.history.lastIndexOf(entry);
        if (i >= 0) this.history.splice(i, 1);
      });
    }
  }

  nextId(objName) {
    const prefix = OBJECTS[objName].keyPrefix;
    const n = (this.counters.get(prefix) || 0) + 1;
    this.counters.set(prefix, n);
    return ids.make(prefix, n);
  }

  get(objName, id) {
    return this.tables[objName].byId.get(id) || null;
  }

  insert(objName, rec) {
    const t = this.tables[objName];
    t.records.push(rec);
    t.byId.set(rec.Id, rec);
    this.invalidate(objName);
    if (this.undo) this.undo.push(() => this.remove(objName, rec.Id));
  }

  update(objName, rec, changes) {
    if (this.undo) {
      const old = {};
      for (const k of Object.keys(changes)) old[k] = rec[k];
      this.undo.push(() => { Object.assign(rec, old); this.invalidate(objName); });
    }
    Object.assign(rec, changes);
    this.invalidate(objName);
  }

  remove(objName, id) {
    const t = this.tables[objName];
    const rec = t.byId.get(id);
    if (!rec) return;
    t.byId.delete(id);
    const i = t.records.indexOf(rec);
    if (i >= 0) t.records.splice(i, 1);
    this.invalidate(objName);
    if (this.undo) this.undo.push(() => { t.records.splice(i, 0, rec); t.byId.set(id, rec); this.invalidate(objName); });
  }

  begin() { this.undo = []; }
  commit() { this.undo = null; }
  rollback() {
    const u = this.undo || [];
    this.undo = null;
    for (let i = u.length - 1; i >= 0; i--) u[i]();
  }

  invalidate(objName) {
    for (const key of this.childIndex.keys()) if (key.startsWith(objName + '.')) this.childIndex.delete(key);
  }

  /** Children of objName grouped by the value of field: built on demand. */
  children(objName, field) {
    const key = objName + '.' + field;
    let idx = this.childIndex.get(key);
    if (!idx) {
      idx = new Map();
      for (const r of this.tables[objName].records) {
        const p = r[field];
        if (p == null) continue;
        let list = idx.get(p);
        if (!list) idx.set(p, (list = []));
        list.push(r);
      }
      this.childIndex.set(key, idx);
    }
    return idx;
  }
}

const FIRST = ['Ava', 'Liam', 'Maya', 'Noah', 'Zoe', 'Ethan', 'Priya', 'Mateo', 'Chloe', 'Omar', 'Grace', 'Kenji', 'Sofia', 'Lucas', 'Amara', 'Ravi', 'Elena', 'Diego', 'Hana', 'Felix'];
const LAST = ['Nguyen', 'Patel', 'Garcia', 'Smith', 'Kim', 'Okafor', 'Rossi', 'Schmidt', 'Tanaka', 'Haddad', 'Larsen', 'Silva', 'Cohen', 'Dubois', 'Murphy', 'Reyes', 'Novak', 'Ali', 'Walsh', 'Chen'];
const ADJ = ['Acme', 'Blue', 'Summit', 'Northwind', 'Global', 'Pioneer', 'Silver', 'Bright', 'Granite', 'Evergreen', 'Atlas', 'Vertex', 'Harbor', 'Quantum', 'Redwood', 'Cobalt', 'Lumen', 'Apex', 'Crescent', 'Falcon', 'Orion', 'Sterling', 'Horizon', 'Maple', 'Nimbus'];
const NOUN = ['Dynamics', 'Logistics', 'Health', 'Foods', 'Energy', 'Systems', 'Labs', 'Capital', 'Motors', 'Media', 'Robotics', 'Pharma', 'Retail', 'Networks', 'Analytics', 'Aerospace', 'Textiles', 'Security', 'Partners', 'Works'];
const SUFFIX = ['Inc.', 'LLC', 'Corp.', 'Ltd.', 'Group', 'GmbH'];
const PRODUCTS = ['Platform Expansion', 'Renewal', 'New Logo', 'Add-on Seats', 'Services Engagement', 'Pilot', 'Enterprise Upgrade', 'Data Migration', 'Support Upgrade', 'Multi-year Deal'];
const NEXT_STEPS = ['Send proposal', 'Schedule demo', 'Legal review', 'Security questionnaire', 'Exec sponsor call', 'Pricing approval', null, null];
const CITIES = [['San Francisco', 'CA', 'USA'], ['Austin', 'TX', 'USA'], ['New York', 'NY', 'USA'], ['Chicago', 'IL', 'USA'], ['Seattle', 'WA', 'USA'], ['Boston', 'MA', 'USA'], ['Toronto', 'ON', 'Canada'], ['London', null, 'United Kingdom'], ['Berlin', null, 'Germany']];
const INDUSTRIES = OBJECTS.Account.fields.find((f) => f.name === 'Industry').picklist.map((p) => p.value);
const OPP_TYPES = OBJECTS.Opportunity.fields.find((f) => f.name === 'Type').picklist.map((p) => p.value);
const SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];

const ROLES = ['VP Sales', 'Sales Manager', 'AE - West', 'AE - East', 'AE - Central', 'SDR', 'RevOps'];
const USERS = [
  // first, last, role, title
  ['Integration', 'User', 'RevOps', 'Integration User'],
  ['Dana', 'Whitaker', 'VP Sales', 'VP Sales'],
  ['Marcus', 'Lee', 'Sales Manager', 'Sales Manager'],
  ['Julia', 'Romero', 'Sales Manager', 'Sales Manager'],
  ['Sam', 'Ortiz', 'AE - West', 'Account Executive'],
  ['Tara', 'Singh', 'AE - West', 'Account Executive'],
  ['Ben', 'Carter', 'AE - East', 'Account Executive'],
  ['Lena', 'Fischer', 'AE - East', 'Account Executive'],
  ['Ivan', 'Petrov', 'AE - Central', 'Account Executive'],
  ['Mia', 'Johnson', 'AE - Central', 'Account Executive'],
  ['Alex', 'Moreau', 'SDR', 'Sales Development Rep'],
  ['Rosa', 'Alvarez', 'RevOps', 'Revenue Operations Analyst'],
];
const INTEGRATION_USERNAME = 'integration@sfsim.example.com';

/**
 * Build the org.  Deterministic from (seed, today, opportunities): the
 * same arguments give byte-identical data, ids included.
 */
function generate({ seed = 1, today, opportunities = 600, neverMovedPct = 0, currencies = null, currency = 'USD', datedRates = null }) {
  const rand = rng(seed);
  const pick = (a) => a[Math.floor(rand() * a.length)];
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const db = new Store();
  const todayN = dayNum(today);
  // "Now" for generated timestamps: noon UTC of the simulated today.
  const base = todayN * DAY + 12 * 3600000;
  const at = (daysAgo) => base - daysAgo * DAY - int(0, 8 * 3600) * 1000;

  const roleIds = new Map();
  for (const name of ROLES) {
    const Id = db.nextId('UserRole');
    roleIds.set(name, Id);
    db.insert('UserRole', { Id, Name: name, ParentRoleId: null, LastModifiedDate: base - 400 * DAY });
  }
  const users = [];
  for (const [first, last, role, title] of USERS) {
    const Id = db.nextId('User');
    const username = first === 'Integration' ? INTEGRATION_USERNAME : `${first}.${last}@sfsim.example.com`.toLowerCase();
    const u = {
      Id, IsDeleted: false, CreatedDate: base - 700 * DAY, CreatedById: null, LastModifiedDate: base - 30 * DAY,
      LastModifiedById: null, SystemModstamp: base - 30 * DAY,
      Username: username, FirstName: first, LastName: last, Name: `${first} ${last}`, Email: username,
      Title: title, Department: role === 'RevOps' ? 'Operations' : 'Sales', IsActive: true,
      UserRoleId: roleIds.get(role), ManagerId: null,
    };
    users.push(u);
    db.insert('User', u);
  }
  const admin = users[0].Id;
  for (const u of users) { u.CreatedById = admin; u.LastModifiedById = admin; }
  for (const u of users.slice(4, 10)) u.ManagerId = users[u.UserRoleId === roleIds.get('AE - West') ? 2 : 3].Id;
  const sellers = users.slice(4, 10).map((u) => u.Id);
  const owners = users.slice(1, 11).map((u) => u.Id);

  const sys = (created, modified) => ({
    IsDeleted: false, CreatedDate: created, CreatedById: admin, LastModifiedDate: modified,
    LastModifiedById: admin, SystemModstamp: modified,
  });

  // Accounts (about one per four opportunities).
  const nAcc = Math.max(10, Math.ceil(opportunities / 4));
  const accounts = new Array(nAcc);
  const combos = ADJ.length * NOUN.length * SUFFIX.length;
  for (let i = 0; i < nAcc; i++) {
    const c = i % combos;
    let name = `${ADJ[c % ADJ.length]} ${NOUN[Math.floor(c / ADJ.length) % NOUN.length]} ${SUFFIX[Math.floor(c / (ADJ.length * NOUN.length))]}`;
    if (i >= combos) name += ` ${Math.floor(i / combos) + 1}`;
    const city = pick(CITIES);
    const created = at(int(200, 900));
    const a = {
      Id: db.nextId('Account'), ...sys(created, created + int(1, 150) * DAY), OwnerId: pick(owners),
      Name: name, Type: rand() < 0.6 ? 'Customer - Direct' : pick(['Prospect', 'Customer - Channel', 'Technology Partner', 'Other']),
      Industry: pick(INDUSTRIES), ParentId: null, AnnualRevenue: int(5, 5000) * 100000, NumberOfEmployees: int(10, 20000),
      Rating: pick(['Hot', 'Warm', 'Cold', null]), BillingCity: city[0], BillingState: city[1], BillingCountry: city[2],
      Phone: `+1 555 ${String(int(100, 999))} ${String(int(1000, 9999))}`, Website: `https://www.${name.split(' ')[0].toLowerCase()}${i}.example.com`,
      LastActivityDate: rand() < 0.2 ? null : dayStr(todayN - int(0, 90)),
      Internal_Rating__c: pick(['A', 'B', 'C', 'D']),
    };
    accounts[i] = a;
    db.insert('Account', a);
  }

  // Contacts: two or three per account.
  const contactsOf = new Array(nAcc);
  for (let i = 0; i < nAcc; i++) {
    const a = accounts[i];
    const n = 2 + (rand() < 0.5 ? 1 : 0);
    contactsOf[i] = [];
    for (let k = 0; k < n; k++) {
      const first = pick(FIRST);
      const last = pick(LAST);
      const c = {
        Id: db.nextId('Contact'), ...sys(a.CreatedDate, a.LastModifiedDate), OwnerId: a.OwnerId, AccountId: a.Id,
        FirstName: first, LastName: last, Name: `${first} ${last}`, Title: pick(['CFO', 'CTO', 'VP Engineering', 'Director of IT', 'Procurement Manager', 'COO']),
        Email: `${first}.${last}${i}@${a.Website.slice(12, -12)}.example.com`.toLowerCase(), Phone: a.Phone, LastActivityDate: null,
      };
      contactsOf[i].push(c.Id);
      db.insert('Contact', c);
    }
  }

  // Leads.
  const nLeads = Math.max(100, Math.min(5000, Math.ceil(opportunities / 6)));
  const statuses = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'];
  for (let i = 0; i < nLeads; i++) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const created = at(int(0, 200));
    const status = pick(statuses);
    db.insert('Lead', {
      Id: db.nextId('Lead'), ...sys(created, created + int(0, 20) * DAY), OwnerId: pick([users[10].Id, ...sellers]),
      FirstName: first, LastName: last, Name: `${first} ${last}`, Company: `${pick(ADJ)} ${pick(NOUN)}`,
      Title: pick(['Manager', 'Director', 'VP', 'Analyst']), Email: `${first}.${last}.${i}@lead.example.com`.toLowerCase(),
      // Derived from i, not from rand(), so adding it moved no other value.
      Phone: `+1 555 ${String(100 + (i % 900))} ${String(1000 + ((i * 37) % 9000))}`,
      Status: status, LeadSource: pick(SOURCES), Rating: pick(['Hot', 'Warm', 'Cold', null]), IsConverted: status === 'Closed - Converted',
      LastActivityDate: rand() < 0.5 ? null : dayStr(todayN - int(0, 60)), Credit_Score__c: int(300, 850),
    });
  }

  // Opportunities.  Open deals close from a month ago (slipped) to nine
  // months out; closed ones closed in the last six months.
  const t = ymd(todayN);
  const qEnd = dayOf(t.y, Math.floor(t.m / 3) * 3 + 3, 1) - 1; // last day of this quarter
  const openStages = STAGES.filter((s) => !s[4]).map((s) => s[0]);
  const oppIds = new Array(opportunities);
  for (let i = 0; i < opportunities; i++) {
    const ai = Math.floor(rand() * nAcc);
    const a = accounts[ai];
    let stage;
    const r = rand();
    if (r < 0.2) stage = 'Closed Won';
    else if (r < 0.33) stage = 'Closed Lost';
    else if (r < 0.41) stage = 'Commit';
    else stage = pick(openStages);
    const st = STAGE.get(stage);
    let close = st.closed ? todayN - int(0, 180) : todayN + int(-30, 270);
    let lastAct = rand() < 0.1 ? null : todayN - int(0, 60);
    let stageChangeDaysAgo = int(0, 120);
    // Showcase records so RevOps queries always find something: every
    // 25th deal is a Commit deal closing in the last days of this quarter
    // with no activity for 15-45 days and a stage unchanged for 31-90 days.
    if (i % 25 === 0) {
      stage = 'Commit';
      close = Math.max(todayN, qEnd - int(0, 6));
      lastAct = todayN - int(15, 45);
      stageChangeDaysAgo = int(31, 90);
    }
    const s2 = STAGE.get(stage);
    const stageChange = at(stageChangeDaysAgo);
    const created = stageChange - int(0, 200) * DAY - int(0, 3600) * 1000;
    const modified = Math.min(base, stageChange + int(0, 20) * DAY);
    const amount = rand() < 0.02 ? null : int(50, 5000) * 100;
    const cd = ymd(close);
    const o = {
      Id: db.nextId('Opportunity'), ...sys(created, Math.max(modified, stageChange)), OwnerId: rand() < 0.85 ? pick(sellers) : pick(owners),
      AccountId: rand() < 0.01 ? null : a.Id, Name: `${a.Name} - ${pick(PRODUCTS)}`, Description: null, StageName: stage,
      Amount: amount, Probability: s2.probability, ExpectedRevenue: amount == null ? null : amount * s2.probability / 100,
      CloseDate: dayStr(close), Type: pick(OPP_TYPES), NextStep: pick(NEXT_STEPS), LeadSource: pick(SOURCES),
      IsClosed: s2.closed, IsWon: s2.won, ForecastCategory: s2.fc, ForecastCategoryName: s2.fcName,
      HasOpenActivity: !s2.closed && rand() < 0.5,
      LastActivityDate: lastAct == null ? null : dayStr(Math.min(lastAct, todayN)),
      LastStageChangeDate: stageChange, FiscalQuarter: Math.floor(cd.m / 3) + 1, FiscalYear: cd.y,
      Secret_Margin__c: int(5, 60),
    };
    oppIds[i] = o;
    db.insert('Opportunity', o);
  }

  // The org, and its currencies: in a multi-currency org (currencies:
  // [{iso, rate}], the first the corporate one at rate 1) each deal gets a
  // currency from a generator of its own, its amounts in that currency.
  const corporate = currencies && currencies.length ? currencies[0].iso : currency;
  // A Developer Edition org by default (POST /__sim/org changes it).
  db.insert('Organization', {
    Id: db.nextId('Organization'), Name: 'sfsim', DefaultCurrencyIsoCode: corporate,
    IsSandbox: false, OrganizationType: 'Developer Edition', InstanceName: 'SIM1', TimeZoneSidKey: 'America/Los_Angeles',
  });
  if (currencies && currencies.length) {
    const crand = rng(seed * 104729 + 7);
    for (const c of currencies) {
      db.insert('CurrencyType', {
        Id: db.nextId('CurrencyType'), IsoCode: c.iso, ConversionRate: c.rate, DecimalPlaces: 2, IsActive: true,
        IsCorporate: c.iso === corporate,
      });
    }
    // Advanced currency management: each currency's periods, the first
    // from 0001-01-01 at its CurrencyType rate, then the given ones.
    for (const p of datedPeriods(currencies, datedRates)) {
      db.insert('DatedConversionRate', {
        Id: db.nextId('DatedConversionRate'), IsoCode: p.iso, ConversionRate: p.rate, StartDate: p.start, NextStartDate: p.next,
      });
    }
    for (const o of oppIds) {
      o.CurrencyIsoCode = crand() < 0.5 ? corporate : currencies[1 + Math.floor(crand() * (currencies.length - 1))].iso || corporate;
    }
  }

  // Stage history, from a generator of its own so the rest of the data
  // does not depend on it.  A deal created in one stage that moved to its
  // current one has two OpportunityHistory rows: its creation (an earlier
  // stage) and the change (CreatedDate = LastStageChangeDate).  With
  // neverMovedPct, that share of the open deals never moved: their stage
  // is the one they were created in, LastStageChangeDate is null (as on
  // records older than the field, a guess: salesforce.md 6) and their one
  // history row is their creation.
  const hrand = rng(seed * 7919 + 13);
  for (const o of oppIds) {
    const never = !o.IsClosed && hrand() * 100 < neverMovedPct;
    const row = (at, stage) => db.insert('OpportunityHistory', {
      Id: db.nextId('OpportunityHistory'), IsDeleted: false, CreatedDate: at, CreatedById: admin, SystemModstamp: at,
      OpportunityId: o.Id, StageName: stage, Amount: o.Amount, Probability: STAGE.get(stage).probability, CloseDate: o.CloseDate,
    });
    // Field history: 'created' at creation, then each StageName change.
    const field = (at, name, from, to) => db.insert('OpportunityFieldHistory', {
      Id: db.nextId('OpportunityFieldHistory'), IsDeleted: false, OpportunityId: o.Id, CreatedById: admin, CreatedDate: at,
      Field: name, DataType: name === 'created' ? 'Text' : 'Picklist', OldValue: from, NewValue: to,
    });
    if (never) {
      o.CreatedDate = o.LastStageChangeDate;
      o.LastStageChangeDate = null;
      row(o.CreatedDate, o.StageName);
      field(o.CreatedDate, 'created', null, null);
      continue;
    }
    const i = openStages.indexOf(o.StageName);
    const first = i > 0 ? openStages[Math.floor(hrand() * i)] : openStages[0];
    if (o.CreatedDate < o.LastStageChangeDate && first !== o.StageName) {
      row(o.CreatedDate, first);
      row(o.LastStageChangeDate, o.StageName);
      field(o.CreatedDate, 'created', null, null);
      field(o.LastStageChangeDate, 'StageName', first, o.StageName);
    } else {
      row(o.CreatedDate, o.StageName);
      field(o.CreatedDate, 'created', null, null);
    }
  }

  // Events: past and future meetings on opportunities and accounts.
  const nEvents = Math.max(50, Math.ceil(opportunities / 4));
  for (let i = 0; i < nEvents; i++) {
    const onOpp = rand() < 0.7;
    const o = oppIds[Math.floor(rand() * opportunities)];
    const ai = Math.floor(rand() * nAcc);
    const what = onOpp ? o.Id : accounts[ai].Id;
    const accountId = onOpp ? o.AccountId : accounts[ai].Id;
    const dayOff = int(-90, 30);
    const start = (todayN + dayOff) * DAY + int(14, 22) * 3600000;
    const dur = pick([30, 30, 60, 60, 90]);
    const contacts = !onOpp ? contactsOf[ai] : null;
    db.insert('Event', {
      Id: db.nextId('Event'), ...sys(start - int(1, 20) * DAY, start - int(0, 1) * DAY), OwnerId: onOpp ? o.OwnerId : pick(sellers),
      WhoId: contacts ? contacts[0] : null, WhatId: what, AccountId: accountId,
      Subject: pick(['Discovery call', 'Demo', 'QBR', 'Pricing review', 'Exec briefing', 'Kickoff']), Location: pick(['Zoom', 'On site', null]),
      IsAllDayEvent: false, ActivityDateTime: start, ActivityDate: dayStr(todayN + dayOff), StartDateTime: start,
      EndDateTime: start + dur * 60000, DurationInMinutes: dur, Description: null, Type: pick(['Call', 'Meeting', 'Meeting', 'Email']),
      IsChild: false, IsPrivate: false,
    });
  }

  // Tasks: a light sprinkling of follow-ups.
  const nTasks = Math.max(30, Math.ceil(opportunities / 10));
  for (let i = 0; i < nTasks; i++) {
    const o = oppIds[Math.floor(rand() * opportunities)];
    const due = todayN + int(-30, 30);
    const status = due < todayN && rand() < 0.7 ? 'Completed' : pick(['Not Started', 'In Progress']);
    db.insert('Task', {
      Id: db.nextId('Task'), ...sys(at(int(30, 60)), at(int(0, 29))), OwnerId: o.OwnerId, WhoId: null, WhatId: o.Id,
      AccountId: o.AccountId, Subject: pick(['Call', 'Send Quote', 'Other']), ActivityDate: dayStr(due), Status: status,
      Priority: pick(['High', 'Normal', 'Low']), IsClosed: status === 'Completed', Description: null,
    });
  }

  db.childIndex.clear();
  db.integrationUser = users[0];
  for (const u of users) {
    if (u.TimeZoneSidKey === undefined) u.TimeZoneSidKey = 'America/Los_Angeles';
    if (u.LocaleSidKey === undefined) u.LocaleSidKey = 'en_US';
  }
  return db;
}

module.exports = { generate, Store, INTEGRATION_USERNAME, rng };
