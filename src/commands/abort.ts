import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Abort extends BaseCommand {
  static override summary = 'Stop a deploy that is paused after a stage (status aborted), or roll it back.';
  static override description =
    'Finds the deploy holding the lock (same config layers as `deploy status`); if it is paused now, it stops there (aborted), or with --rollback puts back what it changed as failed canary checks do (rolled-back). Exits 0 once the run has taken the request; with no paused deploy: `no paused deploy`, exit 1.';
  static override examples = ['<%= config.bin %> abort', '<%= config.bin %> abort --rollback'];
  static override flags = {
    ...configFlags,
    rollback: Flags.boolean({ summary: 'Put back what the run changed (its canaries and stages) before it stops.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Abort);
    const { answerPause } = await import('../services/pause-answer.js');
    process.exitCode = await answerPause({ ...configOptions(flags), action: flags.rollback ? 'rollback' : 'abort' });
  }
}
