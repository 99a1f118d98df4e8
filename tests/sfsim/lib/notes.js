'use strict';
// ContentNote's Content: "can include properly formatted HTML or plain
// text ... If the input contains unsafe HTML characters or new lines, we
// automatically strip them out" (Object Reference, ContentNote;
// salesforce.md 7).  Salesforce does not list what it keeps.  sfsim's
// choice (a GUESS, see README.md): the tags the Notes editor produces
// (p, br, b, strong, i, em, u, s, strike, ul, ol, li, a) survive without
// attributes, except an a's href when it is http, https or mailto;
// script, style, iframe, object and embed go with their content; any
// other tag goes and its text stays; new lines and carriage returns go.

const KEEP = new Set(['p', 'br', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'ul', 'ol', 'li', 'a']);
const DROP_WITH_CONTENT = ['script', 'style', 'iframe', 'object', 'embed', 'noscript', 'template'];

function sanitizeNote(html, keepTags = null) {
  const keep = keepTags ? new Set(keepTags) : KEEP;
  let s = String(html);
  for (const t of DROP_WITH_CONTENT) {
    s = s.replace(new RegExp(`<${t}\\b[^>]*>[\\s\\S]*?<\\/${t}\\s*>`, 'gi'), '');
    s = s.replace(new RegExp(`<${t}\\b[^>]*\\/?>`, 'gi'), '');
  }
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<\s*(\/?)\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g, (all, close, name, attrs) => {
    const t = name.toLowerCase();
    if (!keep.has(t)) return '';
    if (close) return `</${t}>`;
    if (t === 'a') {
      const m = /\bhref\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(attrs);
      const href = m ? (m[2] ?? m[3] ?? m[4]) : null;
      if (href && /^(https?:|mailto:)/i.test(href.trim())) return `<a href="${href.trim().replace(/"/g, '&quot;')}">`;
      return '<a>';
    }
    return t === 'br' ? '<br>' : `<${t}>`;
  });
  // A stray "<" that starts no tag stays as text only when escaped.
  s = s.replace(/<(?![a-z/])/gi, '&lt;');
  return s.replace(/[\r\n]/g, '');
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** TextPreview: the text without tags, entities (named and numeric) decoded, 255 characters. */
function notePreview(html) {
  return String(html).replace(/<\/(p|li)>|<br>/gi, ' ').replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (all, e) => {
      if (e[0] !== '#') return ENTITIES[e];
      const n = e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
      return n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : all;
    })
    .replace(/\s+/g, ' ').trim().slice(0, 255);
}

module.exports = { sanitizeNote, notePreview, KEEP, DROP_WITH_CONTENT };
