import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SshdFleet } from './sshd-fleet.js';

/**
 * A deploy config that reaches every host of `fleet` over SSH as the fleet expects: its user,
 * client key, known_hosts, ssh_config and fake restart script; no retries, no canary wait, the
 * lock and history inside the project. `overrides` win (e.g. targets, canaries, limits).
 */
export function fleetDeployConfig(fleet: SshdFleet, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    transport: 'ssh',
    targets: fleet.hosts.map((host) => host.name),
    stage_dir: 'stage',
    deploy_dir: fleet.deployDir,
    ssh_user: fleet.user,
    ssh_key: fleet.clientKeyPath,
    ssh_known_hosts: fleet.knownHostsPath,
    ssh_config: fleet.sshConfigPath,
    ssh_connect_timeout: 20,
    ssh_connect_retries: 0,
    php_fpm_restart_script: fleet.restartScript,
    php_fpm: 'php7.4-fpm',
    restart_sudo_user: '',
    canary_wait_time: 0,
    lock_file: 'deploy.lock',
    history_file: 'history.jsonl',
    ...overrides,
  };
}

/** Write `fleetDeployConfig(fleet, overrides)` as the project's scap.config.json. */
export async function writeFleetDeployConfig(project: string, fleet: SshdFleet, overrides: Record<string, unknown> = {}): Promise<void> {
  await writeFile(join(project, 'scap.config.json'), JSON.stringify(fleetDeployConfig(fleet, overrides)));
}
