/**
 * Figure S (issue 22): how long a `releases` switch takes ON a host. One sshd host of the test
 * fleet (test/e2e/fleet) holds two releases; one command run on it switches `current` back and
 * forth `rounds` times, each time taking a timestamp right before and right after:
 * - the switch command as the run sends it (`sh -c <SWITCH_SCRIPT> ...`: a shell, the checks of
 *   `current` and of the release, `exec mv -T` of the link the run's prepare staged in
 *   releases/ over `current`; that link is made before the timestamp, as prepare makes it
 *   during the sync);
 * - the rename step alone (the `mv -T` process: the moment the tree changes);
 * - the rename(2) system call alone, timed inside one python3 process (no process start);
 * - nothing at all between two timestamps (what taking a timestamp costs, in both figures).
 * Timestamps are bash's $EPOCHREALTIME (no process started to read the clock).
 * SSH is not in any of them: the times are taken on the host. Goal: the switch under 10 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSwitchRelease } from '../src/remote-commands/releases.js';
import { createSshTransport } from '../src/transport/ssh/ssh-transport.js';
import { loadHarness, type SshdFleet } from './ssh.js';
import { median, type Row } from './table.js';

export interface ReleaseSwitchOptions {
  rounds: number;
  /** The fleet's third address octet and port; away from the test suite's and the other figures'. */
  subnet: number;
  port: number;
}

/**
 * On the host, in bash (its $EPOCHREALTIME is a clock read with no process started, so a
 * timestamp costs microseconds): $1 deploy_dir, $2 rounds, then the switch argv less the
 * release. Prints `<switch us> <rename us> <empty us>` a round.
 */
const LOOP = [
  'd=$1 n=$2',
  'shift 2',
  'now() { t=${EPOCHREALTIME/./}; }',
  'for ((i = 0; i < n; i++)); do',
  '  if ((i % 2 == 0)); then r=r2; else r=r1; fi',
  '  ln -s "releases/$r" "$d/releases/.current-$r" || exit',
  '  now; t0=$t; "$@" "$r" >/dev/null || exit; now; t1=$t',
  '  ln -sfn "releases/$r" "$d/.bench-link" || exit',
  '  now; t2=$t; mv -T "$d/.bench-link" "$d/current" || exit; now; t3=$t',
  '  now; t4=$t; now; t5=$t',
  '  echo "$((t1 - t0)) $((t3 - t2)) $((t5 - t4))"',
  'done',
].join('\n');

/** On the host: $1 deploy_dir, $2 rounds; one python3 process times each rename(2) of a new link over `current`, in microseconds. */
const RENAME_ALONE = [
  'command -v python3 >/dev/null || { echo "no python3 on the host" >&2; exit 3; }',
  "exec python3 -c '",
  'import os, sys, time',
  'd, n = sys.argv[1], int(sys.argv[2])',
  'for i in range(n):',
  '    os.symlink("releases/r" + str(1 + i % 2), d + "/.bench-py")',
  '    t = time.perf_counter_ns(); os.rename(d + "/.bench-py", d + "/current"); print((time.perf_counter_ns() - t) / 1000)',
  '\' "$1" "$2"',
].join('\n');

const ms = (us: number): string => `${(us / 1000).toFixed(3)} ms`;
const spread = (values: number[]): string => `median ${ms(median(values))} (min ${ms(Math.min(...values))}, max ${ms(Math.max(...values))})`;

export async function releaseSwitchFigure(options: ReleaseSwitchOptions, log: (line: string) => void): Promise<Row[]> {
  const name = `S  releases switch on the host, ${options.rounds} rounds`;
  const skipped = (why: string): Row[] => [{ figure: name, measured: `skipped: ${why}`, reference: '-', ratio: '-', verdict: 'skipped' }];
  const harness = await loadHarness();
  if (typeof harness === 'string') return skipped(harness);
  if (!harness.sshdAvailable()) return skipped('sshd not available (needs root and openssh-server)');
  const work = mkdtempSync(join(tmpdir(), 'deploy-bench-switch-'));
  let fleet: SshdFleet | undefined;
  try {
    fleet = await harness.startSshdFleet({ count: 1, subnet: options.subnet, port: options.port });
    const host = fleet.hosts[0] as { name: string; root: string };
    for (const release of ['r1', 'r2']) {
      await mkdir(join(host.root, 'switch/releases', release, 'php'), { recursive: true });
      await writeFile(join(host.root, 'switch/releases', release, 'php/index.php'), release);
    }
    const transport = createSshTransport({
      user: fleet.user,
      port: options.port,
      knownHostsPath: fleet.knownHostsPath,
      sshConfigPath: fleet.sshConfigPath,
      connectTimeoutMs: 20_000,
      explicit: { user: false, port: false, keyPath: false },
      env: { HOME: work, PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    try {
      const deployDir = '/srv/fleet/switch';
      const switchArgv = buildSwitchRelease(deployDir, 'r1').slice(0, -1);
      const signal = new AbortController().signal;
      const first = await transport.exec(host.name, buildSwitchRelease(deployDir, 'r1'), { signal });
      if (first.exitCode !== 0) throw new Error(`the first switch failed: ${first.stderr.trim()}`);
      const result = await transport.exec(host.name, ['bash', '-c', LOOP, 'deploy-bench-switch', deployDir, String(options.rounds), ...switchArgv], { signal });
      if (result.exitCode !== 0) throw new Error(`the switch loop failed (${result.exitCode}): ${result.stderr.trim()}`);
      const rows = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ').map(Number));
      const column = (index: number): number[] => rows.map((row) => row[index] ?? Number.NaN);
      const [whole, rename, empty] = [column(0), column(1), column(2)];
      const load = (await transport.exec(host.name, ['cat', '/proc/loadavg'], { signal })).stdout.trim();
      log(`release-switch: load average on the host during the loop: ${load}`);
      log(`release-switch: switch command ${spread(whole)}; rename step ${spread(rename)}; two timestamps ${spread(empty)}`);
      // The rename(2) itself, timed inside one process (python3 on the host, when it has one).
      const syscall = await transport.exec(host.name, ['sh', '-c', RENAME_ALONE, 'deploy-bench-rename', deployDir, String(options.rounds)], { signal });
      const renameAlone = syscall.exitCode === 0 ? syscall.stdout.trim().split('\n').map(Number) : [];
      if (renameAlone.length > 0) log(`release-switch: rename(2) alone ${spread(renameAlone)}`);
      const verdict = median(whole) < 10_000 ? 'pass' : 'MISS';
      return [
        { figure: `${name}: the switch command (sh -c, checks, exec mv -T)`, measured: spread(whole), reference: '-', ratio: '< 10 ms (median)', verdict },
        { figure: `${name}: the rename step alone (mv -T)`, measured: spread(rename), reference: '-', ratio: '-', verdict: 'info' },
        {
          figure: `${name}: rename(2) alone, in one process (python3)`,
          measured: renameAlone.length > 0 ? spread(renameAlone) : `skipped: ${syscall.stderr.trim() || 'no python3 on the host'}`,
          reference: '-',
          ratio: '-',
          verdict: renameAlone.length > 0 ? 'info' : 'skipped',
        },
        { figure: `${name}: two timestamps, nothing between`, measured: spread(empty), reference: '-', ratio: '-', verdict: 'info' },
      ];
    } finally {
      await transport.close();
    }
  } finally {
    await fleet?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}
