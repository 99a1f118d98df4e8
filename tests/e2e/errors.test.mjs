// Who is to blame: a failure that never reached Salesforce (a timeout, a
// reset or refused connection, a TLS certificate that does not verify)
// says so, naming the host and what to check; only Salesforce's own
// error answers are "Salesforce refused".  Each class through each path
// where a failure becomes a message: query, get (its describe, then its
// record query), the next page behind a cursor, and the token endpoint.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startSim, simEnv, connectSdk, textOf } from './lib.mjs';

let sim;
const opened = [];

before(async () => { sim = await startSim(['--opportunities', '300']); });
after(async () => {
  for (const c of opened) await c.close().catch(() => {});
  if (sim) await sim.stop();
});

const connect = (extra = {}) => connectSdk(simEnv(sim, extra), opened);
const fault = (match, action, count = 10) => sim.control('POST', 'faults', { match, count, action });
const clearFaults = () => sim.control('DELETE', 'faults');
const hostOf = (url) => new URL(url).origin;
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/** The tool error of a call, asserted not to blame Salesforce. */
async function notReached(c, name, args) {
  const r = await c.client.callTool({ name, arguments: args });
  assert.equal(r.isError, true, `${name}: ${textOf(r)}`);
  const text = textOf(r);
  assert.doesNotMatch(text, /Salesforce refused/, `${name} blames Salesforce: ${text}`);
  return text;
}

test('a timeout says Salesforce did not answer, names the host and SFDC_HTTP_TIMEOUT_MS: query, get, describe', async () => {
  const c = await connect({ SFDC_HTTP_TIMEOUT_MS: '1000' });
  const host = esc(hostOf(sim.instance_url || sim.url));
  try {
    await fault({ soql_contains: 'FROM Lead' }, { delay_ms: 3000 });
    let t = await notReached(c, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
    assert.match(t, new RegExp(`Salesforce at ${host} did not answer: timed out after \\d+ ms \\(4 attempts\\)`));
    assert.match(t, /raise SFDC_HTTP_TIMEOUT_MS/);
    await clearFaults();
    const acc = (await sim.records('Account'))[0];
    await fault({ path_prefix: '/services/data/v60.0/sobjects/Account/describe' }, { delay_ms: 3000 });
    t = await notReached(c, 'get_account', { account_id: acc.Id });
    assert.match(t, new RegExp(`Salesforce at ${host} did not answer`));
    await clearFaults();
    await fault({ soql_contains: `WHERE Id = '${acc.Id}'` }, { delay_ms: 3000 });
    t = await notReached(c, 'get_account', { account_id: acc.Id });
    assert.match(t, new RegExp(`Salesforce at ${host} did not answer`));
  } finally { await clearFaults(); }
});

test('a connection reset before any answer: cannot reach Salesforce, for the next page behind a cursor too', async () => {
  // 2,300 rows: Salesforce's first batch holds 2,000, so the eleventh
  // page of 200 needs its locator, the only request of SF_MORE.
  const big = await startSim(['--opportunities', '2300']);
  try {
    const c = await connectSdk(simEnv(big), opened);
    const host = esc(hostOf(big.instance_url || big.url));
    await big.control('POST', 'faults', { match: { soql_contains: 'FROM Lead' }, count: 10, action: { reset: 'before' } });
    let t = await notReached(c, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
    assert.match(t, new RegExp(`cannot reach Salesforce at ${host} after 4 attempts: .*check SFDC_INSTANCE_URL, the network and any https_proxy`));
    await big.control('DELETE', 'faults');

    let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Opportunity LIMIT 2300' } });
    assert.equal(r.isError, false, textOf(r));
    for (let page = 2; page <= 10; page++) {
      r = await c.client.callTool({ name: 'query', arguments: { cursor: r.structuredContent.cursor } });
      assert.equal(r.isError, false, `page ${page}: ${textOf(r)}`);
    }
    await big.clearLog();
    await big.control('POST', 'faults', { match: { path_prefix: '/services/data/v60.0/query/' }, count: 10, action: { reset: 'before' } });
    t = await notReached(c, 'query', { cursor: r.structuredContent.cursor });
    assert.match(t, new RegExp(`cannot reach Salesforce at ${host} after 4 attempts`));
    const tried = (await big.log()).filter((e) => e.path.startsWith('/services/data/v60.0/query/'));
    // Four attempts of ours; libcurl itself sends once more when a reused
    // connection dies before any answer, so 4 or 5 reach the simulator.
    assert.ok(tried.length >= 4 && tried.length <= 5, `the locator was tried, and retried: ${tried.length}`);
  } finally { await big.stop(); }
});

test('a refused connection names the host and what to check; a closed token endpoint likewise', async () => {
  const port = await closedPort();
  const c = await connect({ SFDC_INSTANCE_URL: `https://127.0.0.1:${port}`, SFDC_LOGIN_URL: `https://127.0.0.1:${port}` });
  const t = await notReached(c, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
  assert.match(t, new RegExp(`cannot reach Salesforce at https://127\\.0\\.0\\.1:${port}`));
  assert.match(t, /check SFDC_INSTANCE_URL/);

  // A refresh-token flow whose token endpoint is closed.
  const c2 = await connectSdk({
    PATH: process.env.PATH, SFDC_INSTANCE_URL: sim.instance_url || sim.url,
    SFDC_LOGIN_URL: `https://127.0.0.1:${port}`, SFDC_CA_FILE: sim.ca_file,
    SFDC_CLIENT_ID: sim.client_id, SFDC_REFRESH_TOKEN: sim.refresh_token, SFDC_FLS_MODE: 'none',
  }, opened);
  const t2 = await notReached(c2, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
  assert.match(t2, new RegExp(`cannot reach the token endpoint https://127\\.0\\.0\\.1:${port}/services/oauth2/token`));
  assert.match(t2, /check SFDC_LOGIN_URL/);
});

test('a certificate that does not verify with SFDC_CA_FILE is a TLS failure, not a refusal', async () => {
  // The system bundle does not hold the simulator's private CA.
  const c = await connect({ SFDC_CA_FILE: '/etc/ssl/certs/ca-certificates.crt' });
  const host = esc(hostOf(sim.instance_url || sim.url));
  const t = await notReached(c, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
  assert.match(t, new RegExp(`the TLS certificate of ${host} could not be verified with /etc/ssl/certs/ca-certificates\\.crt`));
  assert.match(t, /check SFDC_INSTANCE_URL and SFDC_CA_FILE/);
});

test('the token endpoint: a certificate that does not verify, and a timeout, say so and name the endpoint', async () => {
  const login = sim.login_url || sim.url;
  const tokenUrl = esc(`${hostOf(login)}/services/oauth2/token`);
  const refreshEnv = (extra) => ({
    PATH: process.env.PATH, SFDC_INSTANCE_URL: sim.instance_url || sim.url, SFDC_LOGIN_URL: login,
    SFDC_CA_FILE: sim.ca_file, SFDC_CLIENT_ID: sim.client_id, SFDC_REFRESH_TOKEN: sim.refresh_token,
    SFDC_FLS_MODE: 'none', ...extra,
  });
  const c = await connectSdk(refreshEnv({ SFDC_CA_FILE: '/etc/ssl/certs/ca-certificates.crt' }), opened);
  let t = await notReached(c, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
  assert.match(t, new RegExp(`the TLS certificate of the token endpoint ${tokenUrl} could not be verified with /etc/ssl/certs/ca-certificates\\.crt`));
  assert.match(t, /check SFDC_LOGIN_URL and SFDC_CA_FILE/);
  try {
    await fault({ path_prefix: '/services/oauth2/token' }, { delay_ms: 3000 });
    const c2 = await connectSdk(refreshEnv({ SFDC_HTTP_TIMEOUT_MS: '1000' }), opened);
    t = await notReached(c2, 'query', { soql: 'SELECT Id FROM Lead LIMIT 1' });
    assert.match(t, new RegExp(`the token endpoint ${tokenUrl} did not answer: timed out`));
  } finally { await clearFaults(); }
});

test("Salesforce's own error answers are \"Salesforce refused\", with its errorCode", async () => {
  const c = await connect();
  try {
    await fault({ soql_contains: 'FROM Lead' }, { status: 400, errorCode: 'MALFORMED_QUERY', message: 'unexpected token: x' }, 1);
    let r = await c.client.callTool({ name: 'query', arguments: { soql: 'SELECT Id FROM Lead LIMIT 1' } });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /Salesforce refused the query: .*unexpected token: x/);
    const acc = (await sim.records('Account'))[0];
    await fault({ soql_contains: `WHERE Id = '${acc.Id}'` }, { status: 400, errorCode: 'INVALID_FIELD', message: 'No such column' }, 1);
    r = await c.client.callTool({ name: 'get_account', arguments: { account_id: acc.Id } });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /Salesforce refused the read: .*No such column/);
  } finally { await clearFaults(); }
});
