import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class Config extends BaseCommand {
  static override summary = 'Show the effective configuration: each key, its value, and the layer it came from.';
  static override description =
    'Layers, later wins: /etc/scap.config.json, ./scap.config.json (or --config), then each -D. Keys no layer sets show "(default)".';
  static override examples = [
    '<%= config.bin %> config',
    '<%= config.bin %> config restart_concurrency -D restart_concurrency:25%',
    '<%= config.bin %> config --json',
  ];
  static override args = { key: Args.string({ required: false, description: 'one config key to show, with its meaning' }) };
  static override flags = { ...configFlags, json: Flags.boolean({ summary: 'Print {key: {value, from}} as JSON.', default: false }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Config);
    const { showConfig } = await import('../services/config.js');
    process.exitCode = showConfig({ ...configOptions(flags), json: flags.json, ...(args.key !== undefined ? { key: args.key } : {}) });
  }
}
