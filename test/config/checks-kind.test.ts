import { describe, expect, it } from 'vitest';
import { checksKind } from '../../src/config/checks-kind.js';

const source = { key: 'canary_checks', baseDir: '/', origin: 'in test.json' };

describe('checksKind', () => {
  it('reads shell commands, HTTP and Prometheus checks', () => {
    // Given one of each / When read from JSON / Then kept as given
    const list = [
      'curl -fsS http://{host}/',
      { http: 'http://{host}/health', status: 200, contains: 'ok' },
      { prometheus: 'http://prom:9090', query: 'sum(errors{host=~"{canaries}"})', max: 5, max_ratio: 1.5 },
    ];
    expect(checksKind.fromJson(list, source)).toEqual(list);
  });

  it('takes JSON from -D, or one shell command', () => {
    // When -D gives a JSON list, or a plain command / Then both are read
    expect(checksKind.fromDefine('[{"http":"http://x/"}]', { ...source, origin: '-D' })).toEqual([{ http: 'http://x/' }]);
    expect(checksKind.fromDefine('test -f /tmp/ok', { ...source, origin: '-D' })).toEqual(['test -f /tmp/ok']);
    expect(checksKind.fromDefine('', { ...source, origin: '-D' })).toEqual([]);
  });

  it('names the bad item and what was expected, in one line', () => {
    // Given bad items / When read / Then the usage error names the index and the expectation
    const cases: Array<[unknown, RegExp]> = [
      [[{ http: 'ftp://x/' }], /^canary_checks\[0\]: expected "http": an http:\/\/ or https:\/\/ URL/],
      [['ok', { http: 'http://x/', status: 'two hundred' }], /^canary_checks\[1\]: expected "status": an HTTP status code/],
      [[{ prometheus: 'http://p/', max: 1 }], /^canary_checks\[0\]: expected "query": a PromQL expression/],
      [[{ prometheus: 'http://p/', query: 'up', max_ratio: -1 }], /"max_ratio": a positive number/],
      [[{ prometheus: 'http://p/', query: 'up', min: 1 }], /only "prometheus", "query", "max", "max_ratio" \(not "min"\)/],
      [[{ tcp: 'x:1' }], /^canary_checks\[0\]: expected an object with "http" or "prometheus"/],
      [[42], /^canary_checks\[0\]: expected a shell command/],
    ];
    for (const [value, message] of cases) {
      let error: Error | undefined;
      try {
        checksKind.fromJson(value, source);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message, JSON.stringify(value)).toMatch(message);
      expect(error?.message).not.toContain('\n');
    }
    expect(() => checksKind.fromDefine('[{"http":', { ...source, origin: '-D' })).toThrow(/canary_checks: expected .* as JSON/);
  });
});
