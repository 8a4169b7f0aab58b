import { hostName } from '../config/hosts.js';
import { canaryRegex, plainRegex } from './canary-regex.js';
import type { CheckSpec } from '../config/checks-kind.js';
import type { CanaryCheck } from './types.js';

/** One line naming a config item (for errors, dry-run and the report). */
export function describeSpec(spec: CheckSpec): string {
  if (typeof spec === 'string') return spec;
  if ('http' in spec) return `GET ${spec.http}`;
  return `${spec.query} at ${spec.prometheus}`;
}

/** The query with `{canaries}` replaced by the canaries' regex. */
export function canaryQuery(query: string, canaries: readonly string[]): string {
  return query.replaceAll('{canaries}', canaryRegex(canaries.map(hostName)));
}

/**
 * Shell commands and HTTP checks with `{host}` run once per host checked (the canaries, or a
 * stage's hosts); the others once. `{canaries}` in a query is the canaries' regex.
 */
export function expandChecks(specs: readonly CheckSpec[], hosts: readonly string[], canaries: readonly string[] = hosts): CanaryCheck[] {
  return specs.flatMap((spec): CanaryCheck[] => {
    if (typeof spec === 'string') {
      return spec.includes('{host}')
        ? hosts.map((host) => ({ spec: spec.replaceAll('{host}', hostName(host)), command: spec.replaceAll('{host}', hostName(host)), host }))
        : [{ spec, command: spec }];
    }
    if ('http' in spec) {
      return spec.http.includes('{host}')
        ? hosts.map((host) => {
            const one = { ...spec, http: spec.http.replaceAll('{host}', encodeURIComponent(hostName(host))) };
            return { spec: one, command: describeSpec(one), host };
          })
        : [{ spec, command: describeSpec(spec) }];
    }
    const one = { ...spec, query: canaryQuery(spec.query, canaries) };
    return [{ spec: one, command: describeSpec(one) }];
  });
}

/**
 * A stage's checks: `{hosts}` is the regex of exactly the stage's hosts, written for a PromQL
 * string in a query as `{canaries}` is, plain in a shell command (URL-encoded in a URL); then
 * `{host}` runs a command or URL once per stage host.
 */
export function expandStageChecks(specs: readonly CheckSpec[], hosts: readonly string[], canaries: readonly string[]): CanaryCheck[] {
  const names = hosts.map(hostName);
  const plain = plainRegex(names);
  const quoted = canaryRegex(names);
  const withHosts = specs.map((spec): CheckSpec => {
    if (typeof spec === 'string') return spec.replaceAll('{hosts}', plain);
    if ('http' in spec) return { ...spec, http: spec.http.replaceAll('{hosts}', encodeURIComponent(plain)) };
    return { ...spec, query: spec.query.replaceAll('{hosts}', quoted) };
  });
  return expandChecks(withHosts, hosts, canaries);
}

/** What a check must see to pass, for --dry-run: `status 200, body contains "ok"`, `≤ 5`. */
export function describeExpectation(spec: CheckSpec): string {
  if (typeof spec === 'string') return 'exit status 0';
  if ('http' in spec)
    return [
      spec.status === undefined ? 'a 2xx status' : `status ${spec.status}`,
      ...(spec.contains !== undefined ? [`body contains ${JSON.stringify(spec.contains)}`] : []),
    ].join(', ');
  const bounds = [...(spec.max !== undefined ? [`max ${spec.max}`] : []), ...(spec.max_ratio !== undefined ? [`max(1, baseline × ${spec.max_ratio})`] : [])];
  return `value ${bounds.length > 0 ? bounds.join(' and ') : 'any number'}`;
}
