import { Args } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { deployFlags, deployOptions } from './common-flags.js';

export default class PhpFpmRestart extends BaseCommand {
  static override summary = 'Rolling restart of php-fpm on every target, canaries first.';
  static override description =
    'Runs php_fpm_restart_script on the canaries, checks them, then on every other target through a sliding window of restart_concurrency hosts.';
  static override examples = [
    '<%= config.bin %> php-fpm-restart "Clear opcache after the train"',
    '<%= config.bin %> php-fpm-restart -D always_restart:true --json',
  ];
  static override strict = false;
  static override args = {
    message: Args.string({ required: false, description: 'free text naming the deploy in logs (all words)' }),
  };
  static override flags = deployFlags;

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(PhpFpmRestart);
    // Loaded on use, so `deploy --help` never pays for the run's dependencies.
    const { phpFpmRestart } = await import('../services/php-fpm-restart.js');
    process.exitCode = await phpFpmRestart(deployOptions(flags, argv as string[]));
  }
}
