import { describe, expect, it } from 'vitest';
import { matchHostname, matchPattern, matchPatternList } from '../../../src/transport/ssh/host-pattern.js';

describe('OpenSSH patterns', () => {
  it('matches * and ? case-sensitively, lists with negation winning', () => {
    // Given OpenSSH-style patterns; When texts are matched; Then:
    expect(matchPattern('web12.example', 'web*.example')).toBe(true);
    expect(matchPattern('web1', 'web?')).toBe(true);
    expect(matchPattern('web12', 'web?')).toBe(false);
    expect(matchPattern('WEB1', 'web1')).toBe(false);
    expect(matchPatternList('web1', 'web*,!web1', false)).toBe(-1);
    expect(matchPatternList('web2', 'web*,!web1', false)).toBe(1);
    expect(matchPatternList('db1', '!web1', false)).toBe(0);
    expect(matchPatternList('web1', 'WEB*', true)).toBe(1);
  });

  it('matches host names case-insensitively', () => {
    // Then a host name matches whatever the case of either side
    expect(matchHostname('Web1.Example.ORG', '*.example.org')).toBe(true);
    expect(matchHostname('web1', 'WEB?')).toBe(true);
    expect(matchHostname('web1', 'web*,!WEB1')).toBe(false);
  });
});
