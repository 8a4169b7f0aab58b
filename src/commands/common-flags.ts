import { Flags } from '@oclif/core';

/** Flags common to sync-file and php-fpm-restart (SPEC.md). */
export const deployFlags = {
  define: Flags.string({ char: 'D', summary: 'Override one config key for this run (key:value); repeatable.', multiple: true, multipleNonGreedy: true, default: [] }),
  config: Flags.string({ char: 'c', summary: 'Config file to use instead of ./scap.config.json.' }),
  force: Flags.boolean({ summary: 'Skip canary checks and pass --force to the restart script (no depool).', default: false }),
  json: Flags.boolean({ summary: 'Print one JSON report on stdout; human lines go to stderr.', default: false }),
  'dry-run': Flags.boolean({ summary: 'Print the plan (phases, hosts, commands) and touch nothing.', default: false }),
};

export interface ParsedDeployFlags {
  define: string[];
  config?: string | undefined;
  force: boolean;
  json: boolean;
  'dry-run': boolean;
}

/** The plain options every deploy step takes, from the parsed flags. */
export function deployOptions(flags: ParsedDeployFlags, message: string[]) {
  return {
    message: message.join(' '),
    defines: flags.define,
    ...(flags.config !== undefined ? { configPath: flags.config } : {}),
    force: flags.force,
    json: flags.json,
    dryRun: flags['dry-run'],
  };
}
