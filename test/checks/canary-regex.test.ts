import { describe, expect, it } from 'vitest';
import { canaryRegex } from '../../src/checks/canary-regex.js';
import { canaryQuery } from '../../src/checks/expand-checks.js';

/** The regex a PromQL double-quoted string holds once its escapes are read. */
const unquoted = (inString: string): string => JSON.parse(`"${inString}"`) as string;

describe('canaryRegex', () => {
  it('joins plain names with |', () => {
    // Given plain names / When turned into a regex / Then an alternation
    expect(canaryRegex(['mw01', 'mw02'])).toBe('mw01|mw02');
  });

  it('escapes dots twice: once for the regex, once for the PromQL string', () => {
    // Given a dotted name / When turned into a regex / Then the string holds mw02\\.eqiad, the regex mw02\.eqiad
    expect(canaryRegex(['mw01', 'mw02.eqiad'])).toBe('mw01|mw02\\\\.eqiad');
    expect(unquoted(canaryRegex(['mw02.eqiad']))).toBe('mw02\\.eqiad');
  });

  it('matches exactly the names, and nothing like them', () => {
    // Given odd names / When the regex (as Prometheus reads it, fully anchored) is used
    const names = ['mw02.eqiad', 'a+b', 'x(1)', 'q"uote', 'back\\slash'];
    const regex = new RegExp(`^(?:${unquoted(canaryRegex(names))})$`);
    // Then every name matches, and near misses do not
    for (const name of names) expect(regex.test(name), name).toBe(true);
    for (const other of ['mw02xeqiad', 'aab', 'x1', 'mw02.eqiad2']) expect(regex.test(other), other).toBe(false);
  });

  it('replaces {canaries} in a query, host ports dropped', () => {
    // Given a query with {canaries} / When expanded / Then it holds the regex
    expect(canaryQuery('sum(errors{host=~"{canaries}"})', ['mw01:2222', 'mw02.eqiad'])).toBe('sum(errors{host=~"mw01|mw02\\\\.eqiad"})');
  });
});
