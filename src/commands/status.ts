import { Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Status extends BaseCommand {
  static override summary = 'Show what the running deploy is doing, from any terminal on this machine.';
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --watch', '<%= config.bin %> status --json'];
  static override flags = {
    ...configFlags,
    json: Flags.boolean({ summary: 'Print the status as one JSON object (with --watch: one per line).', default: false }),
    watch: Flags.boolean({ char: 'w', summary: 'Draw it again every second or two until the run ends.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const { showStatus } = await import('../services/status.js');
    process.exitCode = await showStatus({ ...configOptions(flags), json: flags.json, watch: flags.watch });
  }
}
