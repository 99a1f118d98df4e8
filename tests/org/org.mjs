// The real org of `make check-org`, named by environment variables:
//   SFDC_ORG_INSTANCE_URL      https://<my-domain>.my.salesforce.com
//   SFDC_ORG_ACCESS_TOKEN      a session token, or the refresh-token trio:
//   SFDC_ORG_CLIENT_ID, SFDC_ORG_CLIENT_SECRET, SFDC_ORG_REFRESH_TOKEN
//   SFDC_ORG_LOGIN_URL         where the refresh token goes (default: the
//                              instance URL, which accepts it too)
//   SFDC_ORG_ALLOW_PRODUCTION=1  run against an org that is neither a
//                              sandbox nor a Developer Edition
//   SFDC_ORG_CA_FILE           a private CA (the simulator's; not for real orgs)
// The write round trip (tests/org/write.test.mjs) runs only with both of:
//   SFDC_ORG_WRITE_RECORD      the Id of a throw-away Account, Opportunity,
//                              Contact or Lead of the user's choosing
//   SFDC_ORG_WRITE_FIELD       a text field of it that update_field may
//                              change (e.g. NextStep, Description)
//   SFDC_ORG_AUDIT_OBJECT      the audit object (default Cleanup_Audit__c)
// Nothing here is the server: this is the test harness asking the org
// what it is, before any test runs, through the REST API itself.
import { readFileSync } from 'node:fs';
import https from 'node:https';

/** { skip: reason } or the org's settings. */
export function orgConfig(env = process.env) {
  const instance = env.SFDC_ORG_INSTANCE_URL;
  const token = env.SFDC_ORG_ACCESS_TOKEN;
  const trio = ['SFDC_ORG_CLIENT_ID', 'SFDC_ORG_CLIENT_SECRET', 'SFDC_ORG_REFRESH_TOKEN'];
  if (!instance)
    return { skip: 'no org: set SFDC_ORG_INSTANCE_URL and SFDC_ORG_ACCESS_TOKEN (or SFDC_ORG_CLIENT_ID, SFDC_ORG_CLIENT_SECRET and SFDC_ORG_REFRESH_TOKEN) to run the end-to-end tests against a sandbox or Developer Edition org' };
  let u;
  try { u = new URL(instance); } catch { return { error: `SFDC_ORG_INSTANCE_URL is not a URL: ${instance}` }; }
  if (u.protocol !== 'https:') return { error: `SFDC_ORG_INSTANCE_URL must be https: ${instance}` };
  const have = trio.filter((k) => env[k]);
  if (!token && have.length !== trio.length)
    return { skip: `no credentials for ${instance}: set SFDC_ORG_ACCESS_TOKEN, or all of ${trio.join(', ')} (missing: ${trio.filter((k) => !env[k]).join(', ')})` };
  return {
    instance: u.origin,
    login: env.SFDC_ORG_LOGIN_URL || u.origin,
    token: token || null,
    refresh: token ? null : { client_id: env.SFDC_ORG_CLIENT_ID, client_secret: env.SFDC_ORG_CLIENT_SECRET, refresh_token: env.SFDC_ORG_REFRESH_TOKEN },
    ca: env.SFDC_ORG_CA_FILE ? readFileSync(env.SFDC_ORG_CA_FILE) : undefined,
    caFile: env.SFDC_ORG_CA_FILE,
    allowProduction: env.SFDC_ORG_ALLOW_PRODUCTION === '1',
    write: writeConfig(env),
  };
}

function request(cfg, method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers, ca: cfg.ca, timeout: 30000 }, (res) => {
      let data = '';
      res.on('data', (d) => { data += d; });
      res.on('end', () => {
        let json = null;
        try { json = JSON.parse(data); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, json, body: data });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 30 s`)));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** An access token: the given one, or one from the refresh token. */
export async function orgToken(cfg) {
  if (cfg.token) return cfg.token;
  const body = new URLSearchParams({ grant_type: 'refresh_token', ...cfg.refresh }).toString();
  const r = await request(cfg, 'POST', new URL('/services/oauth2/token', cfg.login),
    { 'Content-Type': 'application/x-www-form-urlencoded' }, body);
  if (r.status !== 200 || !r.json?.access_token)
    throw new Error(`the refresh token was refused at ${cfg.login}: HTTP ${r.status} ${r.json?.error || ''} ${r.json?.error_description || ''}`);
  return r.json.access_token;
}

/**
 * A REST request of the harness's own (not the server's): path under
 * /services/data/v60.0, body JSON.  {status, json, body}.
 */
export async function orgRest(cfg, token, method, path, body) {
  const headers = { Authorization: `Bearer ${token}`, Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return request(cfg, method, new URL(`/services/data/v60.0${path}`, cfg.instance), headers,
    body === undefined ? undefined : JSON.stringify(body));
}

/** One SOQL query through the REST API (the harness's own look). */
export async function orgQuery(cfg, token, soql) {
  const r = await orgRest(cfg, token, 'GET', `/query?q=${encodeURIComponent(soql)}`);
  if (r.status !== 200 || !Array.isArray(r.json?.records))
    throw new Error(`${soql}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
  return r.json.records;
}

/** The Organization row: IsSandbox and OrganizationType decide. */
export async function orgInfo(cfg, token) {
  let rows;
  try {
    rows = await orgQuery(cfg, token, 'SELECT Id, Name, IsSandbox, OrganizationType FROM Organization');
  } catch (e) {
    throw new Error(`could not read the Organization row of ${cfg.instance}: ${e.message}`);
  }
  if (rows.length !== 1) throw new Error(`${cfg.instance}: ${rows.length} Organization rows`);
  return rows[0];
}

/** null when the tests may run; otherwise why not. */
export function refusal(info, allowProduction) {
  if (info.IsSandbox === true) return null;
  if (info.OrganizationType === 'Developer Edition') return null;
  if (allowProduction) return null;
  return `refusing ${info.Name} (${info.Id}): Organization.IsSandbox is ${info.IsSandbox} and OrganizationType is ` +
    `"${info.OrganizationType}", not a sandbox or a Developer Edition; the tests read and tag records there. ` +
    'Set SFDC_ORG_ALLOW_PRODUCTION=1 to run anyway';
}

/** The server's environment for that org. */
export function serverEnv(cfg, token) {
  return {
    PATH: process.env.PATH,
    SFDC_INSTANCE_URL: cfg.instance,
    ...(cfg.refresh ? { SFDC_LOGIN_URL: cfg.login, SFDC_CLIENT_ID: cfg.refresh.client_id, SFDC_CLIENT_SECRET: cfg.refresh.client_secret, SFDC_REFRESH_TOKEN: cfg.refresh.refresh_token }
      : { SFDC_ACCESS_TOKEN: token }),
    ...(cfg.caFile ? { SFDC_CA_FILE: cfg.caFile } : {}),
  };
}

const WRITE_OBJECTS = { '001': 'Account', '006': 'Opportunity', '003': 'Contact', '00Q': 'Lead' };

/** The write round trip's record and field: {skip}, {error} or the settings. */
export function writeConfig(env = process.env) {
  const id = env.SFDC_ORG_WRITE_RECORD;
  const field = env.SFDC_ORG_WRITE_FIELD;
  const audit = env.SFDC_ORG_AUDIT_OBJECT || 'Cleanup_Audit__c';
  if (!id || !field)
    return { skip: 'no record to write: set SFDC_ORG_WRITE_RECORD (a throw-away Account, Opportunity, Contact or Lead) and SFDC_ORG_WRITE_FIELD (a text field of it) to run the write round trip' };
  if (!/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(id)) return { error: `SFDC_ORG_WRITE_RECORD is not a record Id: ${id}` };
  const object = WRITE_OBJECTS[id.slice(0, 3)];
  if (!object) return { error: `SFDC_ORG_WRITE_RECORD ${id}: not an Account (001), Opportunity (006), Contact (003) or Lead (00Q)` };
  if (!/^[A-Za-z][A-Za-z0-9_]{0,79}$/.test(field)) return { error: `SFDC_ORG_WRITE_FIELD is not a field name: ${field}` };
  if (!/^[A-Za-z][A-Za-z0-9_]{0,79}__c$/.test(audit)) return { error: `SFDC_ORG_AUDIT_OBJECT is not a custom object name: ${audit}` };
  return { id, object, field, audit };
}
