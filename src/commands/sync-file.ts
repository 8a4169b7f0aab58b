import { Args } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { deployFlags, deployOptions } from './common-flags.js';

export default class SyncFile extends BaseCommand {
  static override summary = 'Copy a staged file or folder to every target, canaries first, then restart php-fpm.';
  static override description =
    'Copies stage_dir/<path> to deploy_dir/<path> on every target: sync the canaries, restart them, run the canary checks, then the rest of the fleet through a sliding window.';
  static override examples = [
    '<%= config.bin %> sync-file php/index.php "Fix the login bug (T12345)"',
    '<%= config.bin %> sync-file -D always_restart:true wmf-config/db.php "Depool db1001"',
  ];
  static override strict = false;
  static override args = {
    path: Args.string({ required: true, description: 'file or folder to sync, relative to stage_dir' }),
    message: Args.string({ required: false, description: 'free text naming the deploy in logs (all remaining words)' }),
  };
  static override flags = deployFlags;

  async run(): Promise<void> {
    const { args, argv, flags } = await this.parse(SyncFile);
    // Loaded on use, so `deploy --help` never pays for the run's dependencies.
    const { syncFile } = await import('../services/sync-file.js');
    const words = (argv as string[]).slice(1);
    process.exitCode = await syncFile({ ...deployOptions(flags, words), path: args.path, ...(words[0] !== undefined ? { messageFirstWord: words[0] } : {}) });
  }
}
