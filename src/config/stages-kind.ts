import { z } from 'zod';
import { UserError } from '../errors.js';
import { checksKind, type CheckSpec } from './checks-kind.js';
import { boolKind, check, concurrencyKind, type Count, fail, type Kind, secondsKind, type ValueSource } from './kinds.js';
import { hostsKind } from './list-kinds.js';

/** One item of `stages`, as the config holds it: exactly one of `hosts` and `share`. */
export interface StageSpec {
  name: string;
  hosts?: string[];
  share?: Count;
  /** Seconds between the stage's restart and its checks. */
  wait: number;
  checks: CheckSpec[];
  /** The run pauses after this stage (acted on by the pause code). */
  pause: boolean;
}

const STAGE_NAME = /^[A-Za-z0-9-]+$/;
/** `canaries` and `hosts` name the flow's own phases; `proxies` would clash with `sync-proxies`. */
const RESERVED = ['canaries', 'hosts', 'proxies'];
const KEYS = ['name', 'hosts', 'share', 'wait', 'checks', 'pause'];
const EXPECTED = 'a list of stages {"name", "hosts" or "share", "wait"?, "checks"?, "pause"?}';

function item(value: unknown, index: number, source: ValueSource, names: Set<string>): StageSpec {
  const at = { ...source, key: `${source.key}[${index}]` };
  const object = check(z.record(z.string(), z.unknown()), value, at, 'a stage {"name", "hosts" or "share", "wait"?, "checks"?, "pause"?}');
  const extra = Object.keys(object).find((key) => !KEYS.includes(key));
  if (extra !== undefined) fail(at, `a stage with only ${KEYS.map((key) => `"${key}"`).join(', ')} (not "${extra}")`, value);
  const name = object.name;
  const named = { ...at, key: `${at.key}.name` };
  if (typeof name !== 'string' || !STAGE_NAME.test(name)) fail(named, 'a stage name of letters, digits and "-"', name);
  if (RESERVED.includes(name)) fail(named, `a stage name other than ${RESERVED.map((word) => `"${word}"`).join(', ')} (reserved)`, name);
  if (names.has(name)) fail(named, 'a stage name not used by another stage', name);
  names.add(name);
  if ('hosts' in object === 'share' in object) fail(at, `exactly one of "hosts" and "share" in stage ${name}`, value);
  const sub = (key: string): ValueSource => ({ ...at, key: `${at.key}.${key}` });
  return {
    name,
    ...('hosts' in object ? { hosts: hostsKind.fromJson(object.hosts, sub('hosts')) } : {}),
    ...('share' in object ? { share: concurrencyKind.fromJson(object.share, sub('share')) } : {}),
    wait: object.wait === undefined ? 0 : secondsKind.fromJson(object.wait, sub('wait')),
    checks: object.checks === undefined ? [] : checksKind.fromJson(object.checks, sub('checks')),
    pause: object.pause === undefined ? false : boolKind.fromJson(object.pause, sub('pause')),
  };
}

function list(value: unknown, source: ValueSource): StageSpec[] {
  if (!Array.isArray(value)) fail(source, EXPECTED, value);
  const names = new Set<string>();
  const stages = value.map((one, index) => item(one, index, source, names));
  const owner = new Map<string, string>();
  for (const stage of stages) {
    for (const host of stage.hosts ?? []) {
      const other = owner.get(host);
      if (other !== undefined) throw new UserError(`${source.key}: host ${host} is in two stages, ${other} and ${stage.name} (${source.origin})`);
      owner.set(host, stage.name);
    }
  }
  return stages;
}

/** `stages`: a JSON array of stage objects; `-D stages:[...]` the same, `-D stages:` none. */
export const stagesKind: Kind<StageSpec[]> = {
  type: 'list of stages',
  expected: EXPECTED,
  fromJson: list,
  fromDefine: (raw, source) => {
    if (raw.trim() === '') return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail(source, `${EXPECTED} as JSON`, raw);
    }
    return list(parsed, source);
  },
};

/**
 * Each stage's hosts, in stage order: a list as given; a share of the targets that are not
 * canaries and in no earlier stage (a percentage rounds up), the first of them in `targets`
 * order, skipping hosts that a later stage names in its `hosts`.
 */
export function stageHosts(stages: readonly StageSpec[], targets: readonly string[], canaries: readonly string[]): string[][] {
  const taken = new Set(canaries);
  const result: string[][] = [];
  stages.forEach((stage, index) => {
    let hosts: string[];
    if (stage.hosts !== undefined) hosts = stage.hosts;
    else {
      const later = new Set(stages.slice(index + 1).flatMap((next) => next.hosts ?? []));
      const left = targets.filter((host) => !taken.has(host));
      const share = stage.share ?? { value: 0, percent: false };
      const count = share.percent ? Math.ceil((left.length * share.value) / 100) : share.value;
      hosts = left.filter((host) => !later.has(host)).slice(0, count);
    }
    for (const host of hosts) taken.add(host);
    result.push(hosts);
  });
  return result;
}

/** What `stages` asks of the other keys: listed hosts are targets and no canaries; no stage is left empty. */
export function checkStages(stages: readonly StageSpec[], targets: readonly string[], canaries: readonly string[]): void {
  const targetSet = new Set(targets);
  const canarySet = new Set(canaries);
  stages.forEach((stage, index) => {
    const stray = (stage.hosts ?? []).filter((host) => !targetSet.has(host));
    if (stray.length > 0) throw new UserError(`stages[${index}] (${stage.name}): ${stray.join(', ')} not in targets`, 'every stage host must be a target');
    const canary = (stage.hosts ?? []).filter((host) => canarySet.has(host));
    if (canary.length > 0)
      throw new UserError(
        `stages[${index}] (${stage.name}): ${canary.join(', ')} ${canary.length === 1 ? 'is a canary' : 'are canaries'}`,
        'canaries go first, in no stage',
      );
  });
  const chosen = stageHosts(stages, targets, canaries);
  stages.forEach((stage, index) => {
    if ((chosen[index] ?? []).length > 0) return;
    const why = stage.share
      ? `share ${stage.share.value}${stage.share.percent ? '%' : ''} leaves the stage empty (no target left that is not a canary, in an earlier stage or named by a later one)`
      : 'hosts is empty';
    throw new UserError(`stages[${index}] (${stage.name}): ${why}`, 'expected at least one host per stage');
  });
}
