'use strict';
// OAuth 2.0 as Salesforce's token endpoint does it (salesforce.md 8):
// refresh_token, JWT bearer, client_credentials, authorization_code with
// PKCE, and revocation.  Token responses carry no expires_in.

const crypto = require('node:crypto');

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const fromB64url = (s) => Buffer.from(String(s).replace(/-/g, '+').replace(/_/g, '/'), 'base64');

// Salesforce tokens use letters, digits, '.' and '_' after the org id.
const randomToken = (n) => crypto.randomBytes(n).toString('base64').replace(/\+/g, '.').replace(/\//g, '_').replace(/=+$/, '');

function grantError(error, description, status = 400) {
  return { status, body: { error, error_description: description } };
}

class Auth {
  constructor(opts) {
    this.orgId = opts.orgId;          // 18 characters
    this.userId = opts.userId;
    this.username = opts.username;
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.loginUrl = opts.loginUrl;
    this.instanceUrl = opts.instanceUrl;
    this.ttlMs = opts.ttlSeconds * 1000;
    this.rotate = opts.rotate;
    this.jwtCert = opts.jwtCertPem;
    this.access = new Map();   // token -> {exp, refresh}
    this.refresh = new Map();  // token -> {clientId}
    this.codes = new Map();    // authorization code -> {clientId, redirectUri, challenge, exp}
  }

  newAccess(refresh) {
    const t = `${this.orgId.slice(0, 15)}!AQ${randomToken(72)}`;
    this.access.set(t, { exp: Date.now() + this.ttlMs, refresh: refresh || null });
    return t;
  }

  newRefresh(clientId) {
    const t = `5Aep861${randomToken(60)}`;
    this.refresh.set(t, { clientId });
    return t;
  }

  /** 'ok', or 'invalid' for an unknown, expired or revoked token. */
  check(token) {
    const a = token && this.access.get(token);
    if (!a) return 'invalid';
    if (Date.now() >= a.exp) { this.access.delete(token); return 'invalid'; }
    return 'ok';
  }

  expireAccess() { this.access.clear(); }

  /** Remember the tokens of the ready line, so that reset can bring them back. */
  setInitial(access, refresh) { this.initial = { access, refresh }; }

  /** Back to the start: only the ready line's tokens are valid, freshly. */
  reset() {
    this.access.clear();
    this.refresh.clear();
    this.codes.clear();
    if (this.initial) {
      this.refresh.set(this.initial.refresh, { clientId: this.clientId });
      this.access.set(this.initial.access, { exp: Date.now() + this.ttlMs, refresh: this.initial.refresh });
    }
  }

  revokeRefresh() {
    this.refresh.clear();
  }

  tokenResponse(access, refresh) {
    const issued = String(Date.now());
    const id = `${this.loginUrl}/id/${this.orgId}/${this.userId}`;
    const body = {
      access_token: access,
      signature: crypto.createHmac('sha256', this.clientSecret).update(id + issued).digest('base64'),
      scope: 'api refresh_token',
      instance_url: this.instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: issued,
    };
    if (refresh) body.refresh_token = refresh;
    return { status: 200, body };
  }

  /** POST /services/oauth2/token with a parsed form and the request headers. */
  token(form, headers) {
    const grant = form.grant_type;
    let clientId = form.client_id;
    let secret = form.client_secret;
    const basic = /^Basic\s+(.+)$/i.exec(headers.authorization || '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString().split(':');
      clientId = clientId || decodeURIComponent(u || '');
      secret = secret || decodeURIComponent(p || '');
    }
    switch (grant) {
      case 'refresh_token': {
        if (clientId !== this.clientId) return grantError('invalid_client_id', 'client identifier invalid');
        if (secret !== undefined && secret !== this.clientSecret) return grantError('invalid_client', 'invalid client credentials');
        const r = this.refresh.get(form.refresh_token);
        if (!r) return grantError('invalid_grant', 'expired access/refresh token');
        let refresh = form.refresh_token;
        if (this.rotate) {
          // Rotation: the old refresh token dies; the new one is returned.
          this.refresh.delete(refresh);
          refresh = this.newRefresh(clientId);
          return this.tokenResponse(this.newAccess(refresh), refresh);
        }
        return this.tokenResponse(this.newAccess(refresh), null);
      }
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return this.jwtGrant(form.assertion);
      case 'client_credentials': {
        if (clientId !== this.clientId || secret !== this.clientSecret) return grantError('invalid_client', 'invalid client credentials');
        return this.tokenResponse(this.newAccess(null), null);
      }
      case 'authorization_code': {
        const c = this.codes.get(form.code);
        if (!c || Date.now() > c.exp) return grantError('invalid_grant', 'invalid authorization code');
        if (clientId !== c.clientId) return grantError('invalid_client_id', 'client identifier invalid');
        if (secret !== undefined && secret !== this.clientSecret) return grantError('invalid_client', 'invalid client credentials');
        if (form.redirect_uri !== c.redirectUri) return grantError('redirect_uri_mismatch', 'redirect_uri must match configuration');
        if (c.challenge) {
          if (!form.code_verifier) return grantError('invalid_grant', 'invalid code verifier');
          const want = b64url(crypto.createHash('sha256').update(form.code_verifier).digest());
          if (want !== c.challenge) return grantError('invalid_request', 'invalid code verifier');
        } else if (secret === undefined) {
          return grantError('invalid_client', 'invalid client credentials');
        }
        this.codes.delete(form.code); // single use
        const refresh = this.newRefresh(clientId);
        return this.tokenResponse(this.newAccess(refresh), refresh);
      }
      case undefined:
      case '':
        return grantError('unsupported_grant_type', 'grant type not supported');
      default:
        return grantError('unsupported_grant_type', 'grant type not supported');
    }
  }

  jwtGrant(assertion) {
    const parts = String(assertion || '').split('.');
    if (parts.length !== 3) return grantError('invalid_grant', 'invalid assertion');
    let header;
    let claims;
    try {
      header = JSON.parse(fromB64url(parts[0]).toString());
      claims = JSON.parse(fromB64url(parts[1]).toString());
    } catch {
      return grantError('invalid_grant', 'invalid assertion');
    }
    if (header.alg !== 'RS256') return grantError('invalid_grant', 'invalid assertion');
    const ok = crypto.verify('RSA-SHA256', Buffer.from(parts[0] + '.' + parts[1]),
      crypto.createPublicKey(this.jwtCert), fromB64url(parts[2]));
    if (!ok) return grantError('invalid_grant', 'invalid assertion');
    if (claims.iss !== this.clientId) return grantError('invalid_client_id', 'client identifier invalid');
    const auds = [this.loginUrl, 'https://login.salesforce.com', 'https://test.salesforce.com'];
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.some((a) => auds.includes(String(a).replace(/\/$/, '')))) return grantError('invalid_grant', 'audience is invalid');
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now) return grantError('invalid_grant', 'expired authorization code');
    if (claims.exp > now + 5 * 60 + 30) return grantError('invalid_grant', 'invalid assertion');
    if (claims.sub !== this.username) return grantError('invalid_grant', "user hasn't approved this consumer");
    return this.tokenResponse(this.newAccess(null), null);
  }

  /** GET /services/oauth2/authorize: approve at once, as the integration user. */
  authorize(query) {
    if (query.get('response_type') !== 'code') {
      return { status: 400, body: { error: 'unsupported_response_type', error_description: 'response type not supported' } };
    }
    if (query.get('client_id') !== this.clientId) {
      return { status: 400, body: { error: 'invalid_client_id', error_description: 'client identifier invalid' } };
    }
    const redirect = query.get('redirect_uri');
    let target;
    try { target = new URL(redirect); } catch {
      return { status: 400, body: { error: 'redirect_uri_mismatch', error_description: 'redirect_uri must match configuration' } };
    }
    const code = 'aPrx' + randomToken(48);
    this.codes.set(code, {
      clientId: this.clientId, redirectUri: redirect, challenge: query.get('code_challenge') || null, exp: Date.now() + 15 * 60000,
    });
    target.searchParams.set('code', code);
    if (query.get('state') !== null) target.searchParams.set('state', query.get('state'));
    return { status: 302, headers: { Location: target.toString() }, body: null };
  }

  /** POST /services/oauth2/revoke: a refresh token takes its access tokens with it. */
  revoke(token) {
    if (this.refresh.has(token)) {
      this.refresh.delete(token);
      for (const [t, a] of this.access) if (a.refresh === token) this.access.delete(t);
      return { status: 200, body: null };
    }
    if (this.access.has(token)) {
      this.access.delete(token);
      return { status: 200, body: null };
    }
    return grantError('invalid_token', 'invalid token');
  }
}

module.exports = { Auth, b64url };
