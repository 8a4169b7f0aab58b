import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { deployFlags, deployOptions } from './common-flags.js';

export default class Rollback extends BaseCommand {
  static override summary = 'Put back, on every host, the file a sync-file run replaced, canaries first.';
  static override description =
    'Restores what a sync-file run replaced (by default the last successful one; --run picks one from `deploy history`), through the flow of sync-file: the canaries, their restart and checks, then the rest. A host whose file is no longer what that run wrote is skipped, never overwritten.';
  static override examples = [
    '<%= config.bin %> rollback "Revert the login fix (T12345)"',
    '<%= config.bin %> rollback --run 20261123-101500-4f2a "Back to before the train"',
    '<%= config.bin %> rollback --dry-run',
  ];
  static override strict = false;
  static override args = {
    message: Args.string({ required: false, description: 'free text naming the rollback in logs (all words)' }),
  };
  static override flags = {
    ...deployFlags,
    run: Flags.string({ summary: 'The sync-file run to undo, by id (or its start) from `deploy history`; default: the last successful one.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Rollback);
    // Loaded on use, so `deploy --help` never pays for the run's dependencies.
    const { rollback } = await import('../services/rollback.js');
    process.exitCode = await rollback({ ...deployOptions(flags, argv as string[]), ...(flags.run !== undefined ? { runId: flags.run } : {}) });
  }
}
