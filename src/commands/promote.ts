import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Promote extends BaseCommand {
  static override summary = 'Let a deploy that is paused after a stage go on.';
  static override description =
    'Finds the deploy holding the lock (same config layers as `deploy status`); if it is paused now (--pause-after, or a stage with "pause"), it goes on, and this exits 0 once the run has taken the request. With no paused deploy: `no paused deploy`, exit 1.';
  static override examples = ['<%= config.bin %> promote', '<%= config.bin %> promote -c /srv/deploy/scap.config.json'];
  static override flags = { ...configFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Promote);
    const { answerPause } = await import('../services/pause-answer.js');
    process.exitCode = await answerPause({ ...configOptions(flags), action: 'promote' });
  }
}
