'use strict';
// A Salesforce API error.  The REST body is always a JSON array of
// {message, errorCode[, fields]} (salesforce.md 2.1).

class SfError extends Error {
  constructor(status, errorCode, message, fields) {
    super(message);
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  body() {
    const e = { message: this.message, errorCode: this.errorCode };
    if (this.fields) e.fields = this.fields;
    return [e];
  }
}

/**
 * The caret block Salesforce puts in front of query errors:
 * "\n<line>\n<spaces>^\nERROR at Row:R:Column:C\n".  The parser gives no
 * positions, so the token is found in the text (first whole-word match at
 * or after `from`); the column is 1-based.
 */
function caret(q, token, from = 0) {
  let idx = -1;
  if (token) {
    const esc = String(token).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp('(^|[^A-Za-z0-9_.])(' + esc + ')(?![A-Za-z0-9_])', 'i');
    const m = re.exec(q.slice(from));
    if (m) idx = from + m.index + m[1].length;
  }
  if (idx < 0) idx = 0;
  const before = q.slice(0, idx);
  const row = before.split('\n').length;
  const lineStart = before.lastIndexOf('\n') + 1;
  const col = idx - lineStart + 1;
  const end = q.indexOf('\n', idx);
  const line = q.slice(lineStart, end < 0 ? undefined : end);
  return `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n`;
}

module.exports = { SfError, caret };
