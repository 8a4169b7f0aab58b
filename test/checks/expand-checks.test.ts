import { describe, expect, it } from 'vitest';
import { expandStageChecks } from '../../src/checks/expand-checks.js';

const HOSTS = ['mw1.eqiad', 'mw2.eqiad:2222'];

describe("expandStageChecks: a stage's checks", () => {
  it('writes {hosts} plain in a shell command, quoted for PromQL in a query, and runs {host} once per stage host', () => {
    // Given a shell check with {hosts}, one with {host}, and a query with {hosts} and {canaries}
    const checks = expandStageChecks(
      [
        "grep -E '^({hosts})$' seen",
        'curl -fsS http://{host}/health',
        { prometheus: 'http://prom:9090', query: 'sum(errors{host=~"{hosts}"}) + sum(errors{host=~"{canaries}"})', max: 1 },
      ],
      HOSTS,
      ['mw0.eqiad'],
    );
    // Then the command has the plain regex of the stage's host names (no port)
    expect(checks[0]?.command).toBe("grep -E '^(mw1\\.eqiad|mw2\\.eqiad)$' seen");
    // And {host} runs once per stage host
    expect(checks.slice(1, 3).map((check) => [check.command, check.host])).toEqual([
      ['curl -fsS http://mw1.eqiad/health', 'mw1.eqiad'],
      ['curl -fsS http://mw2.eqiad/health', 'mw2.eqiad:2222'],
    ]);
    // And the query has both regexes escaped for a PromQL string
    const query = (checks[3]?.spec as { query: string } | undefined)?.query;
    expect(query).toBe('sum(errors{host=~"mw1\\\\.eqiad|mw2\\\\.eqiad"}) + sum(errors{host=~"mw0\\\\.eqiad"})');
  });

  it('URL-encodes {hosts} in an HTTP check', () => {
    // Given an HTTP check naming the stage's hosts in its query string / When expanded
    const [check] = expandStageChecks([{ http: 'http://lb/health?hosts={hosts}' }], HOSTS, []);
    // Then the regex is encoded as one query value
    expect((check?.spec as { http: string } | undefined)?.http).toBe(`http://lb/health?hosts=${encodeURIComponent('mw1\\.eqiad|mw2\\.eqiad')}`);
  });
});
