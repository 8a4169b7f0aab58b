import { existsSync } from 'node:fs';
import { readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFUSED_STATUS, refusalReason } from '../../src/remote-commands/host-script.js';
import { buildPrepareRelease, buildSwitchRelease, parseLive } from '../../src/remote-commands/releases.js';
import { createSshTransport, type SshTransport } from '../../src/transport/ssh/ssh-transport.js';
import { makeTempDir } from '../helpers/cli.js';
import { TEST_NETWORK_OFFSET, testNetwork } from '../helpers/test-network.js';
import { writeTree } from '../remote-commands/host-tree.js';
import { type FleetHost, type SshdFleet, sshdAvailable, startSshdFleet } from './fleet/sshd-fleet.js';

/**
 * The releases commands over deploy's SSH transport on a real OpenSSH host: hostile names
 * arrive as they were, and a switch seen from the host is atomic: a reader looping on the
 * host, resolving `current` once per request as php-fpm does (it `cd`s into it) and reading
 * two files there, never sees one from the old release and one from the new, nor no
 * `current`, across many switches. The same reader catches a switch that is not one rename
 * (remove the link, then make it): the check can turn red. Own fleet, on this file's network.
 */
const available = sshdAvailable();
const never = (): AbortSignal => new AbortController().signal;

/** On the host: until <deploy_dir>/stop exists, read current/a and current/b inside `current`; print the counts. */
const READER = [
  'cd "$1" || exit 1',
  'reads=0 mixed=0 missing=0 changes=0 last=',
  'while [ ! -e stop ]; do',
  '  v=$( (cd current 2>/dev/null && IFS= read -r a < a && IFS= read -r b < b && echo "$a $b") ) || v=',
  '  reads=$((reads + 1))',
  '  case $v in "") missing=$((missing + 1)) ;; "1 1"|"2 2") [ "$v" = "$last" ] || changes=$((changes + 1)); last=$v ;; *) mixed=$((mixed + 1)) ;; esac',
  'done',
  'echo "reads=$reads mixed=$mixed missing=$missing changes=$changes"',
].join('\n');

/** Not one rename: the window between the two steps has no `current`. */
const NAIVE_SWITCH = 'rm -f -- "$1/current" && ln -s -- "releases/$2" "$1/current"';

describe.skipIf(!available)('release switch over SSH on a real OpenSSH host', () => {
  let fleet: SshdFleet;
  let transport: SshTransport;
  let home: string;
  let mw01: FleetHost;

  beforeAll(async () => {
    const net = testNetwork(TEST_NETWORK_OFFSET.releaseSwitchSsh);
    fleet = await startSshdFleet({ count: 1, network: net.network, port: net.port });
    mw01 = fleet.hosts[0] as FleetHost;
    home = await makeTempDir('deploy-e2e-release-home-');
    transport = createSshTransport({
      user: 'root',
      port: net.port,
      knownHostsPath: fleet.knownHostsPath,
      sshConfigPath: fleet.sshConfigPath,
      connectTimeoutMs: 10_000,
      explicit: { user: false, port: false, keyPath: false },
      env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
  });
  afterAll(async () => {
    await transport?.close();
    await fleet?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('runs prepare and switch with names a shell would trip on, as they are', async () => {
    // Given a deploy_dir and a path with a space, quotes, a newline, `$(...)` and a leading dash
    const odd = '-my app\'s "$(touch /srv/fleet/pwned)"\nx';
    const deployDir = `/srv/fleet/${odd}`;
    const local = join(mw01.root, odd);
    // When a first release is prepared, filled and switched to, then a second one for a path
    expect(parseLive((await transport.exec('mw01', buildPrepareRelease(deployDir, 'r1', '.'), { signal: never() })).stdout)).toEqual({});
    await writeTree(join(local, 'releases/r1'), { [`${odd}/a.php`]: 'a', 'b.php': 'b' });
    expect((await transport.exec('mw01', buildSwitchRelease(deployDir, 'r1'), { signal: never() })).exitCode).toBe(0);
    const second = await transport.exec('mw01', buildPrepareRelease(deployDir, 'r2', odd), { signal: never() });
    // Then each step did what it says, on exactly those names, and nothing ran
    expect(second.exitCode, second.stderr).toBe(0);
    expect(parseLive(second.stdout)).toEqual({ live: 'r1' });
    expect(await readlink(join(local, 'current'))).toBe('releases/r1');
    expect(await readFile(join(local, 'releases/r2/b.php'), 'utf8')).toBe('b');
    expect(existsSync(join(local, 'releases/r2', odd))).toBe(false);
    expect(existsSync(join(mw01.root, 'pwned'))).toBe(false);
    // And a refusal comes back as exit 65 with its one line
    const refused = await transport.exec('mw01', buildSwitchRelease(deployDir, 'r9'), { signal: never() });
    expect(refused.exitCode).toBe(REFUSED_STATUS);
    expect(refusalReason(refused)).toMatch(/^release r9 is missing: no folder /);
  });

  /** Two releases, a reader on the host, `rounds` switches by `switchArgv`; the reader's counts. */
  async function switchUnderReader(name: string, rounds: number, switchArgv: (release: string) => string[]): Promise<Record<string, number>> {
    const deployDir = `/srv/fleet/${name}`;
    const local = join(mw01.root, name);
    await writeTree(join(local, 'releases'), { 'r1/a': '1\n', 'r1/b': '1\n', 'r2/a': '2\n', 'r2/b': '2\n' });
    await transport.exec('mw01', buildSwitchRelease(deployDir, 'r1'), { signal: never() });
    const reading = transport.exec('mw01', ['sh', '-c', READER, 'deploy-test-reader', deployDir], { signal: never() });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let round = 0; round < rounds; round++) {
      const result = await transport.exec('mw01', switchArgv(round % 2 === 0 ? 'r2' : 'r1'), { signal: never() });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    await writeTree(local, { stop: '' });
    const counts = await reading;
    expect(counts.exitCode, counts.stderr).toBe(0);
    process.stderr.write(`${name}: ${counts.stdout}`);
    return Object.fromEntries(
      counts.stdout
        .trim()
        .split(' ')
        .map((pair) => [pair.split('=')[0], Number(pair.split('=')[1])]),
    );
  }

  it('a reader on the host never sees one old and one new file, nor no current, across 80 switches', async () => {
    // When current is switched 80 times between r1 and r2 while the reader loops
    const counts = await switchUnderReader('atomic', 80, (release) => buildSwitchRelease('/srv/fleet/atomic', release));
    // Then every read saw one whole release, and the reader saw the releases change under it
    expect(counts).toMatchObject({ mixed: 0, missing: 0 });
    expect(counts.changes).toBeGreaterThan(20);
  }, 120_000);

  it('the same reader sees no current when the switch is a remove then a link (the check can turn red)', async () => {
    const counts = await switchUnderReader('naive', 80, (release) => ['sh', '-c', NAIVE_SWITCH, 'deploy-test-naive', '/srv/fleet/naive', release]);
    expect(counts.missing).toBeGreaterThan(0);
  }, 120_000);
});
