import { Args, Help } from '@oclif/core';
import { BaseCommand } from './base-command.js';

export default class HelpCommand extends BaseCommand {
  static override summary = 'Show help for deploy or one of its commands.';
  static override examples = ['<%= config.bin %> help', '<%= config.bin %> help sync-file'];
  static override strict = false;
  static override args = { command: Args.string({ required: false, description: 'the command to explain' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    await new Help(this.config).showHelp(argv as string[]);
  }
}
