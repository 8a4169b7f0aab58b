import { Args } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { deployFlags, deployOptions } from './common-flags.js';

export default class SyncWorld extends BaseCommand {
  static override summary = 'Copy the whole stage to every target, canaries first, then restart php-fpm.';
  static override description =
    'Syncs all of stage_dir (less sync_exclude) to deploy_dir on every target as one tree: only what differs moves; canaries first, their restart and checks, then the rest of the fleet.';
  static override examples = ['<%= config.bin %> sync-world "Weekly train 1.46.0-wmf.3"', '<%= config.bin %> sync-world -D deploy_layout:releases --dry-run'];
  static override strict = false;
  static override args = {
    message: Args.string({ required: false, description: 'free text naming the deploy in logs (all words)' }),
  };
  static override flags = deployFlags;

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(SyncWorld);
    // Loaded on use, so `deploy --help` never pays for the run's dependencies.
    const { syncWorld } = await import('../services/sync-world.js');
    process.exitCode = await syncWorld(deployOptions(flags, argv as string[]));
  }
}
