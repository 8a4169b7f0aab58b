import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { checkStages, stageHosts, stagesKind, type StageSpec } from '../../src/config/stages-kind.js';
import { UserError } from '../../src/errors.js';

const source = { key: 'stages', baseDir: '/', origin: 'in test.json' };
const TARGETS = Array.from({ length: 10 }, (_, index) => `mw${String(index + 1).padStart(2, '0')}`);

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error thrown');
}

describe('stagesKind: reading the stages key', () => {
  it('reads hosts or share, wait, checks and pause, with their defaults', () => {
    // Given two stages, one by list and one by share / When read from JSON
    const stages = stagesKind.fromJson(
      [
        { name: 'group1', hosts: ['mw03', 'mw04'], wait: 60, checks: ['true'] },
        { name: 'half', share: '50%', pause: true },
      ],
      source,
    );
    // Then each keeps what was given, wait 0, no checks and no pause by default
    expect(stages).toEqual([
      { name: 'group1', hosts: ['mw03', 'mw04'], wait: 60, checks: ['true'], pause: false },
      { name: 'half', share: { value: 50, percent: true }, wait: 0, checks: [], pause: true },
    ]);
  });

  it('takes a JSON array from -D, and nothing from an empty -D', () => {
    // When -D gives a JSON list, or nothing / Then both are read
    expect(stagesKind.fromDefine('[{"name":"one","share":1}]', { ...source, origin: 'from -D' })).toEqual([
      { name: 'one', share: { value: 1, percent: false }, wait: 0, checks: [], pause: false },
    ]);
    expect(stagesKind.fromDefine('', { ...source, origin: 'from -D' })).toEqual([]);
  });

  it.each([
    ['not a list', { name: 'x' }, /^stages: expected a list of stages/],
    ['an item that is not an object', ['x'], /^stages\[0\]: expected a stage/],
    ['an unknown field', [{ name: 'a', share: 1, soak: 3 }], /^stages\[0\]: expected a stage with only .* \(not "soak"\)/],
    ['a name with a space', [{ name: 'a b', share: 1 }], /^stages\[0\]\.name: expected a stage name of letters, digits and "-", got "a b"/],
    ['no name', [{ share: 1 }], /^stages\[0\]\.name: expected a stage name/],
    ['the reserved name canaries', [{ name: 'canaries', share: 1 }], /^stages\[0\]\.name: expected a stage name other than .*reserved.*got "canaries"/],
    ['the reserved name hosts', [{ name: 'hosts', share: 1 }], /^stages\[0\]\.name: .*got "hosts"/],
    [
      'a duplicate name',
      [
        { name: 'a', share: 1 },
        { name: 'a', share: 1 },
      ],
      /^stages\[1\]\.name: expected a stage name not used by another stage, got "a"/,
    ],
    ['both hosts and share', [{ name: 'a', share: 1, hosts: ['mw01'] }], /^stages\[0\]: expected exactly one of "hosts" and "share" in stage a/],
    ['neither hosts nor share', [{ name: 'a' }], /^stages\[0\]: expected exactly one of "hosts" and "share"/],
    ['a share of 0', [{ name: 'a', share: 0 }], /^stages\[0\]\.share: expected an integer or a percentage/],
    ['a bad wait', [{ name: 'a', share: 1, wait: 'soon' }], /^stages\[0\]\.wait: expected a number of seconds/],
    ['a bad check', [{ name: 'a', share: 1, checks: [{ http: 'ftp://x/' }] }], /^stages\[0\]\.checks\[0\]: expected "http"/],
    ['a bad pause', [{ name: 'a', share: 1, pause: 'maybe' }], /^stages\[0\]\.pause: expected a boolean/],
    [
      'a host in two stages',
      [
        { name: 'a', hosts: ['mw01'] },
        { name: 'b', hosts: ['mw02', 'mw01'] },
      ],
      /^stages: host mw01 is in two stages, a and b/,
    ],
  ])('refuses %s with one line naming it', (_what, value, message) => {
    // Given a bad stages value / When read / Then a usage error names the culprit on one line
    const error = errorOf(() => stagesKind.fromJson(value, source));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });
});

const stage = (name: string, pick: { hosts: string[] } | { share: string | number }): StageSpec => ({
  name,
  ...('hosts' in pick ? { hosts: pick.hosts } : { share: stagesKind.fromJson([{ name: 'x', share: pick.share }], source)[0]?.share }),
  wait: 0,
  checks: [],
  pause: false,
});

describe('stageHosts: which hosts each stage takes', () => {
  it('takes a share of the non-canary targets in no earlier stage, rounded up, first in targets order', () => {
    // Given canaries mw01, mw02 and stages 10% then 50% of what is left
    const stages = [stage('one', { share: '10%' }), stage('half', { share: '50%' })];
    // When the hosts are chosen
    const chosen = stageHosts(stages, TARGETS, ['mw01', 'mw02']);
    // Then 10% of 8 rounds up to 1 (mw03), then 50% of the 7 left rounds up to 4
    expect(chosen).toEqual([['mw03'], ['mw04', 'mw05', 'mw06', 'mw07']]);
  });

  it('skips hosts that a later stage names in its hosts', () => {
    // Given a share of 2 followed by a stage listing mw03 and mw05
    const stages = [stage('first', { share: 2 }), stage('listed', { hosts: ['mw05', 'mw03'] }), stage('rest', { share: '100%' })];
    // When the hosts are chosen
    const chosen = stageHosts(stages, TARGETS, ['mw01']);
    // Then the share passes over mw03 (named later); the list is as given; the last share takes what is left
    expect(chosen).toEqual([
      ['mw02', 'mw04'],
      ['mw05', 'mw03'],
      ['mw06', 'mw07', 'mw08', 'mw09', 'mw10'],
    ]);
  });
});

describe('checkStages: what stages ask of the other keys', () => {
  it.each([
    ['a host not in targets', [stage('a', { hosts: ['mw01', 'zz9'] })], /^stages\[0\] \(a\): zz9 not in targets/],
    ['a canary', [stage('a', { hosts: ['mw01'] })], /^stages\[0\] \(a\): mw01 is a canary/],
    [
      'a share that leaves the stage empty',
      [stage('all', { share: '100%' }), stage('more', { share: 1 })],
      /^stages\[1\] \(more\): share 1 leaves the stage empty/,
    ],
    ['an empty list', [stage('none', { hosts: [] })], /^stages\[0\] \(none\): hosts is empty/],
  ])('refuses %s', (_what, stages, message) => {
    // Given stages that do not fit targets mw01-mw10 with canary mw01 / When checked / Then a one-line usage error
    const error = errorOf(() => checkStages(stages, TARGETS, ['mw01']));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toMatch(message);
  });

  it('is checked when a config is loaded, host files read from the config folder', async () => {
    // Given a config whose stage reads its hosts from a file naming a host outside targets
    const dir = await mkdtemp(join(tmpdir(), 'deploy-stages-'));
    try {
      await writeFile(join(dir, 'group1'), 'mw02\nmw99\n');
      await writeFile(join(dir, 'scap.config.json'), JSON.stringify({ targets: ['mw01', 'mw02'], stages: [{ name: 'group1', hosts: 'group1' }] }));
      // When it is loaded / Then the stage and the host are named
      expect(() => loadConfig({ cwd: dir, systemConfigPath: join(dir, 'none') })).toThrow(/stages\[0\] \(group1\): mw99 not in targets/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy config shows stages as written', () => {
  it('writes a share back as an int or a percentage', async () => {
    const { showValue } = await import('../../src/config/docs.js');
    // Given stages read from JSON / When shown / Then each share reads as the deployer wrote it
    const stages = stagesKind.fromJson(
      [
        { name: 'one', share: 2 },
        { name: 'half', share: '50%' },
      ],
      source,
    );
    expect(showValue(stages)).toBe(
      '[{"name":"one","share":2,"wait":0,"checks":[],"pause":false},{"name":"half","share":"50%","wait":0,"checks":[],"pause":false}]',
    );
  });
});
