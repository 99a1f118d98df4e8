'use strict';
// Salesforce record IDs: 15 case-sensitive characters plus a 3-character
// case checksum (salesforce.md section 4).  Each 5-character chunk of the
// 15-character form gives one suffix character: bit j is set when the
// j-th character of the chunk is an upper-case letter.

const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function checksum(id15) {
  let out = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let j = 0; j < 5; j++) {
      const c = id15.charCodeAt(chunk * 5 + j);
      if (c >= 65 && c <= 90) flags |= 1 << j;
    }
    out += SUFFIX[flags];
  }
  return out;
}

function to18(id15) {
  return id15 + checksum(id15);
}

const ID_RE = /^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$/i;

/**
 * Normalise a 15- or 18-character ID to its canonical 18-character form.
 * An 18-character ID is case-insensitive: its suffix restores the case of
 * the first 15 characters.  Returns null for anything malformed.
 */
function normalize(id) {
  if (typeof id !== 'string' || !ID_RE.test(id)) return null;
  if (id.length === 15) return to18(id);
  const suffix = id.slice(15).toUpperCase();
  let base = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    const flags = SUFFIX.indexOf(suffix[chunk]);
    if (flags < 0) return null;
    for (let j = 0; j < 5; j++) {
      const c = id[chunk * 5 + j];
      base += (flags & (1 << j)) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  // Digits carry no case; a digit where the suffix says "upper" is a bad ID.
  const full = to18(base);
  return full.slice(15) === suffix ? full : null;
}

/** Encode n in base 62, zero-padded to width. */
function base62(n, width) {
  let s = '';
  do {
    s = B62[n % 62] + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  if (s.length > width) throw new Error('ID counter overflow');
  return s.padStart(width, '0');
}

/** prefix (3) + pod (2) + "0" + counter (9) = 15, then the checksum. */
function make(prefix, n, pod = 'gK') {
  return to18(prefix + pod + '0' + base62(n, 9));
}

module.exports = { checksum, to18, normalize, make, base62 };
