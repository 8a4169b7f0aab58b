import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { DeployOptions } from '../../src/run/prepare/deploy-options.js';
import { FakeFleet, type FakeFleetOptions } from '../../testing/fake-fleet.js';

/** A stream that keeps what is written to it. */
export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }
}

export interface StepFixture {
  dir: string;
  configPath: string;
  fleet: FakeFleet;
  stdout: Capture;
  stderr: Capture;
  signals: EventEmitter;
  /** Options for a step run against the fake fleet, with extra -D defines. */
  options(extra?: Partial<DeployOptions>): DeployOptions;
  cleanup(): Promise<void>;
}

/**
 * A temp project: config file, stage dir with php/index.php, a lock file inside the temp
 * dir, and a fake fleet standing in for the transport.
 */
export async function stepFixture(config: Record<string, unknown>, fleetOptions: FakeFleetOptions = {}): Promise<StepFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'deploy-steps-'));
  await mkdir(join(dir, 'stage', 'php'), { recursive: true });
  await writeFile(join(dir, 'stage', 'php', 'index.php'), '<?php echo 1;\n');
  const configPath = join(dir, 'scap.config.json');
  await writeFile(
    configPath,
    JSON.stringify({
      transport: 'local',
      stage_dir: 'stage',
      deploy_dir: '/srv/mediawiki',
      lock_file: 'deploy.lock',
      history_file: 'history.jsonl',
      php_fpm_restart_script: '/usr/local/sbin/restart-php-fpm',
      php_fpm: 'php7.4-fpm',
      restart_sudo_user: '',
      canary_wait_time: 0,
      ...config,
    }),
  );
  const fleet = new FakeFleet(fleetOptions);
  const stdout = new Capture();
  const stderr = new Capture();
  const signals = new EventEmitter();
  return {
    dir,
    configPath,
    fleet,
    stdout,
    stderr,
    signals,
    options: (extra = {}) => ({
      message: 'test deploy',
      configPath,
      defines: [],
      force: false,
      json: false,
      dryRun: false,
      cwd: dir,
      env: { CI: '1' },
      stdout,
      stderr,
      systemConfigPath: join(dir, 'no-system-config.json'),
      transport: fleet,
      signals,
      ...extra,
    }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
