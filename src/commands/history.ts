import { Args, Flags } from '@oclif/core';
import { BaseCommand } from './base-command.js';
import { configFlags, configOptions } from './common-flags.js';

export default class History extends BaseCommand {
  static override summary = 'List recent deploy runs, or show one.';
  static override examples = [
    '<%= config.bin %> history',
    '<%= config.bin %> history 20261123-113300-4f2a --json',
    '<%= config.bin %> history 20261123-113300-4f2a --timeline',
    '<%= config.bin %> history 20261123-113300-4f2a --svg run.svg',
  ];
  static override args = { id: Args.string({ required: false, description: 'run id (or a unique prefix) to show' }) };
  static override flags = {
    ...configFlags,
    json: Flags.boolean({ summary: 'Print JSON.', default: false }),
    limit: Flags.integer({ char: 'n', summary: 'How many recent runs to list.', default: 20, min: 1 }),
    timeline: Flags.boolean({ summary: "Draw the run's hosts and phases on a time axis.", default: false }),
    svg: Flags.string({ summary: 'Write the timeline as an SVG picture to this file.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(History);
    const { showHistory } = await import('../services/history.js');
    process.exitCode = showHistory({
      ...configOptions(flags),
      json: flags.json,
      limit: flags.limit,
      timeline: flags.timeline,
      ...(flags.svg !== undefined ? { svg: flags.svg } : {}),
      ...(args.id !== undefined ? { id: args.id } : {}),
    });
  }
}
