/**
 * `npm run bench`: every figure of issue 5, each measured in this run next to its
 * reference, printed as ONE table on stdout (progress and raw numbers go to stderr).
 *
 *   node dist/bench/run.js [--only scheduling,pools,ssh,startup,proxies] [--seed N] [--rounds N] [--ssh-scale X]
 *   node dist/bench/run.js --only proxies [--proxies-hosts 40] [--proxies-concurrency 10] [--proxies-nic 25]   (figure 6: sync_proxies)
 *   node dist/bench/run.js --only ssh-connect [--connect-hosts 200] [--ssh-before <git ref>]   (npm run bench:ssh-connect)
 *   node dist/bench/run.js --only keep-versions [--rounds N]   (keeping old versions: 1 MiB to 12 sshd hosts, with and without)
 *   node dist/bench/run.js --only ssh2-binding [--rounds N]    (ssh2's native binding + cpu-features, with and without: issue 20)
 *   node dist/bench/run.js --only sync-tree [--tree-hosts 20]  (issue 22: a 5,000-file 50 MB tree by syncTree and by prsync)
 *   node dist/bench/run.js --only release-switch [--switch-rounds 500]  (issue 22: a releases switch, timed on the host)
 *   node dist/bench/run.js --only stages                       (issue 23: 1,000 fake hosts, canaries + 1% + 10% + rest, against the sum of the stages' bounds)
 *
 * Exit status: 0 when every figure was measured (targets missed included), 1 when a figure
 * could not be measured (its row says why). Not part of `npm test`.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SEED, describeDistribution } from './distribution.js';
import { poolsFigure } from './pools.js';
import { proxiesFigure } from './proxies.js';
import { schedulingFigure } from './scheduling.js';
import { sshFigure } from './ssh.js';
import { BEFORE_ISSUE_10, sshConnectFigure } from './ssh-connect.js';
import { startupFigure } from './startup.js';
import { keepVersionsFigure } from './keep-versions.js';
import { ssh2BindingFigure } from './ssh2-binding.js';
import { releaseSwitchFigure } from './release-switch.js';
import { syncTreeFigure } from './sync-tree.js';
import { stagesFigure } from './stages.js';
import { machineLine, renderTable, type Row } from './table.js';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'scheduling,pools,ssh,startup,proxies' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    rounds: { type: 'string', default: '3' },
    'ssh-scale': { type: 'string', default: '0.5' },
    'ssh-hosts': { type: 'string', default: '40' },
    'connect-hosts': { type: 'string', default: '200' },
    'proxies-hosts': { type: 'string', default: '40' },
    'proxies-concurrency': { type: 'string', default: '10' },
    'proxies-nic': { type: 'string', default: '25' },
    'ssh-before': { type: 'string', default: BEFORE_ISSUE_10 },
    'tree-hosts': { type: 'string', default: '20' },
    'switch-rounds': { type: 'string', default: '500' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: node dist/bench/run.js [--only scheduling,pools,ssh,startup,proxies,ssh-connect,keep-versions,ssh2-binding,sync-tree,release-switch,stages] [--seed N] [--rounds N] [--ssh-scale X] [--ssh-hosts N] [--connect-hosts N] [--ssh-before REF] [--proxies-hosts N] [--proxies-concurrency N] [--proxies-nic MB/s, 0: loopback only] [--tree-hosts N] [--switch-rounds N]',
  );
  process.exit(0);
}
const only = new Set(values.only.split(','));
const seed = Number(values.seed);
const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

const rows: Row[] = [];
let broken = false;
async function figure(name: string, run: () => Promise<Row[]>): Promise<void> {
  if (!only.has(name)) return;
  const started = performance.now();
  log(`${name}: started`);
  try {
    rows.push(...(await run()));
  } catch (error) {
    broken = true;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);
    rows.push({ figure: `${name}: could not be measured`, measured: `error: ${message}`, reference: '-', ratio: '-', verdict: 'MISS' });
    log(`${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  log(`${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

log(machineLine());
log(`durations: ${describeDistribution()}, seed ${seed}`);
await figure('scheduling', () => schedulingFigure({ hosts: 1000, concurrency: 50, seed }, log));
await figure('pools', () => poolsFigure({ hosts: 1000, concurrency: 50, poolPercent: 10, seed }, log));
// Not in the default set: --only stages (issue 23; about 25 s, synthetic hosts only).
await figure('stages', () => stagesFigure({ hosts: 1000, canaries: 10, concurrency: 50, seed }, log));
await figure('ssh', () =>
  sshFigure(
    {
      hosts: Number(values['ssh-hosts']),
      concurrency: 8,
      seed,
      scale: Number(values['ssh-scale']),
      rounds: Number(values.rounds),
      fileMiB: 5,
      subnet: 42,
      port: 2242,
    },
    log,
  ),
);
await figure('startup', () => startupFigure(15, log));
// Figure 6: a 20 MB file to 40 targets, through 4 proxies (rsync daemons) and straight from here:
// on plain loopback (6), then with the deploy server's and each proxy's NIC shaped (6n).
const proxiesRun = {
  targets: Number(values['proxies-hosts']),
  proxies: 4,
  fileMB: 20,
  concurrency: Number(values['proxies-concurrency']),
  rounds: Number(values.rounds),
};
await figure('proxies', async () => [
  ...(await proxiesFigure({ ...proxiesRun, subnet: 44, port: 2244 }, log)),
  ...(Number(values['proxies-nic']) > 0 ? await proxiesFigure({ ...proxiesRun, subnet: 45, port: 2245, nicMBps: Number(values['proxies-nic']) }, log) : []),
]);
// Not in the default set (a 200-host fleet, a build of the old transport): --only ssh-connect.
await figure('ssh-connect', () =>
  sshConnectFigure(
    { hosts: Number(values['connect-hosts']), concurrency: 80, rounds: Number(values.rounds), subnet: 43, port: 2243, beforeRef: values['ssh-before'] },
    log,
  ),
);
// Not in the default set either: --only keep-versions (port 2244, away from the tests' and the other figures').
await figure('keep-versions', () => keepVersionsFigure({ hosts: 12, rounds: Number(values.rounds), fileMiB: 1, subnet: 44, port: 2244 }, log));
// Not in the default set: --only ssh2-binding (issue 20: about 3 minutes, and it answers a
// question asked when ssh2 or node changes, not on every change of deploy). Subnet 48, port
// 2246: ssh-connect's five fleets take subnets 43-47, keep-versions and proxies 44-45.
await figure('ssh2-binding', () =>
  ssh2BindingFigure({ hosts: 40, concurrency: 8, transferHosts: 4, fileMiB: 16, rounds: Number(values.rounds), subnet: 48, port: 2246 }, log),
);
// Not in the default set: --only sync-tree (issue 22). Subnet 49, port 2247: away from the figures above.
await figure('sync-tree', () =>
  syncTreeFigure({ hosts: Number(values['tree-hosts']), concurrency: 8, files: 5000, totalMB: 50, changed: 20, seed, subnet: 49, port: 2247 }, log),
);
// Not in the default set: --only release-switch (issue 22). Subnet 50, port 2248: away from the figures above.
await figure('release-switch', () => releaseSwitchFigure({ rounds: Number(values['switch-rounds']), subnet: 50, port: 2248 }, log));

process.stdout.write(`\n${renderTable(rows)}\n\n${machineLine()}\n`);
process.stdout.write(
  `seed ${seed}; restart durations ${describeDistribution()} (x${values['ssh-scale']} for the SSH fleet); ` +
    `SSH figures are medians of ${values.rounds} interleaved rounds; start-up is a median of 15 runs\n`,
);
process.exit(broken ? 1 : 0);
