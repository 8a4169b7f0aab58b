import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Unlock extends BaseCommand {
  static override summary = 'Remove the deploy lock; refuses while its holder is alive unless --force.';
  static override examples = ['<%= config.bin %> unlock', '<%= config.bin %> unlock --force   # the holder may be alive: be sure no deploy runs'];
  static override flags = { ...configFlags, force: Flags.boolean({ summary: 'Remove it even if its holder may be alive.', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Unlock);
    const { removeLock } = await import('../services/lock.js');
    process.exitCode = await removeLock({ ...configOptions(flags), force: flags.force });
  }
}
