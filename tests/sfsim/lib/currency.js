'use strict';
// Multi-currency orgs: the dated rates of advanced currency management.

/**
 * The dated rates of an org with advanced currency management: for each
 * currency, its periods in order, [{iso, rate, start, next}] (next: the
 * next period's start, null for the last).  Empty without dated rates.
 */
function datedPeriods(currencies, datedRates) {
  if (!currencies || !currencies.length || !datedRates || !datedRates.length) return [];
  const out = [];
  for (const c of currencies) {
    const ps = [{ iso: c.iso, rate: c.rate, start: '0001-01-01' },
      ...datedRates.filter((d) => d.iso === c.iso).map((d) => ({ iso: c.iso, rate: d.rate, start: d.start }))]
      .sort((a, b) => (a.start < b.start ? -1 : 1));
    ps.forEach((p, i) => { p.next = i + 1 < ps.length ? ps[i + 1].start : null; });
    out.push(...ps);
  }
  return out;
}

module.exports = { datedPeriods };
