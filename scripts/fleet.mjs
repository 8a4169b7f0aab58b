#!/usr/bin/env node
// Starts an e2e SSH fleet by hand (test/e2e/fleet/sshd-fleet.ts), prints how to use it, and
// keeps it up until Ctrl-C / SIGTERM, then stops it. Root only; loopback only.
//
//   node scripts/fleet.mjs [--count 3] [--port 2222] [--subnet 1 | --network 127.A.B] [--netns NAME] [--base-dir DIR]
//
// --network gives the addresses' first three octets (hosts <network>.2, ...) instead of --subnet;
// --netns starts the sshd inside a network namespace made with `ip netns add NAME` (reach them
// with `ip netns exec NAME ssh ...`).
//
// Node 20 cannot import .ts files: the harness is transpiled (typescript, a dev dependency)
// into a temp folder and imported from there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '3' },
    port: { type: 'string', default: '2222' },
    subnet: { type: 'string' },
    network: { type: 'string' },
    netns: { type: 'string' },
    'base-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: node scripts/fleet.mjs [--count N] [--port P] [--subnet S | --network 127.A.B] [--netns NAME] [--base-dir DIR]');
  process.exit(0);
}

const source = fileURLToPath(new URL('../test/e2e/fleet/sshd-fleet.ts', import.meta.url));
const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
  compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  fileName: source,
});
const buildDir = mkdtempSync(path.join(os.tmpdir(), 'sshd-fleet-cli-'));
const built = path.join(buildDir, 'sshd-fleet.mjs');
// The harness finds fake-restart.sh beside itself: keep pointing at the real folder.
writeFileSync(built, outputText.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(source).href)));
const { startSshdFleet, sshdAvailable } = await import(pathToFileURL(built).href);
rmSync(buildDir, { recursive: true, force: true });

if (!sshdAvailable()) {
  console.error('fleet: needs root, /usr/sbin/sshd, ssh-keygen and a working unshare');
  process.exit(1);
}

const fleet = await startSshdFleet({
  count: Number(values.count),
  port: Number(values.port),
  ...(values.network ? { network: values.network } : { subnet: Number(values.subnet ?? '1') }),
  ...(values.netns ? { netns: values.netns } : {}),
  ...(values['base-dir'] ? { baseDir: values['base-dir'] } : {}),
});

const deployConfig = {
  transport: 'ssh',
  targets: fleet.hosts.map((h) => h.name),
  ssh_user: fleet.user,
  ssh_key: fleet.clientKeyPath,
  ssh_known_hosts: fleet.knownHostsPath,
  ssh_config: fleet.sshConfigPath,
  deploy_dir: fleet.deployDir,
  php_fpm_restart_script: fleet.restartScript,
  restart_sudo_user: '',
};
console.log(
  JSON.stringify(
    {
      dir: fleet.dir,
      hosts: fleet.hosts,
      user: fleet.user,
      clientKeyPath: fleet.clientKeyPath,
      knownHostsPath: fleet.knownHostsPath,
      sshConfigPath: fleet.sshConfigPath,
      restartScript: fleet.restartScript,
      deployDir: fleet.deployDir,
      ssh: `${values.netns ? `ip netns exec ${values.netns} ` : ''}ssh ${fleet.sshArgs(fleet.hosts[0].name).join(' ')} 'ls /srv/fleet'`,
      deployConfig,
    },
    null,
    2,
  ),
);
console.error(`fleet: ${fleet.hosts.length} host(s) up; behaviours: edit <host.root>/behaviour.env or see README. Ctrl-C stops.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await fleet.stop();
  console.error('fleet: stopped');
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
setInterval(() => undefined, 1 << 30);
