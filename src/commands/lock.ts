import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Lock extends BaseCommand {
  static override summary = 'Show who holds the deploy lock.';
  static override examples = ['<%= config.bin %> lock', '<%= config.bin %> lock --json'];
  static override flags = { ...configFlags, json: Flags.boolean({ summary: 'Print the holder as JSON.', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(Lock);
    const { showLock } = await import('../services/lock.js');
    process.exitCode = await showLock({ ...configOptions(flags), json: flags.json });
  }
}
