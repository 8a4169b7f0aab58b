import { Flags } from '@oclif/core';
import { oneLine, visible } from '../lib/text.js';

/** Flags that choose the configuration: every command has them. */
export const configFlags = {
  define: Flags.string({
    char: 'D',
    summary: 'Override one config key for this run (key:value); repeatable; `deploy config` lists the keys.',
    multiple: true,
    multipleNonGreedy: true,
    default: [],
  }),
  config: Flags.string({ char: 'c', summary: 'Config file to use instead of ./scap.config.json.' }),
};

/** The plain config options of a step, from the parsed flags. */
export function configOptions(flags: { define: string[]; config?: string | undefined }) {
  return { defines: flags.define, ...(flags.config !== undefined ? { configPath: flags.config } : {}) };
}

/** Flags common to sync-file and php-fpm-restart (SPEC.md). */
export const deployFlags = {
  ...configFlags,
  force: Flags.boolean({ summary: 'Skip canary checks and pass --force to the restart script (no depool).', default: false }),
  json: Flags.boolean({ summary: 'Print one JSON report on stdout; human lines go to stderr.', default: false }),
  resume: Flags.boolean({ summary: 'Continue the last interrupted or aborted run of this command and arguments, skipping hosts it finished.', default: false }),
  'dry-run': Flags.boolean({ summary: 'Print the plan (phases, hosts, commands) and touch nothing.', default: false }),
  'pause-after': Flags.string({
    summary: 'Pause after this stage (canaries, or a stage of `stages`), keeping the lock, until `deploy promote` (or `deploy abort`).',
    helpValue: '<stage>',
  }),
};

export interface ParsedDeployFlags {
  define: string[];
  config?: string | undefined;
  force: boolean;
  json: boolean;
  'dry-run': boolean;
  resume: boolean;
  'pause-after'?: string | undefined;
}

/** The plain options every deploy step takes, from the parsed flags. */
export function deployOptions(flags: ParsedDeployFlags, message: string[]) {
  return {
    // Scap's words for a deploy nobody named.
    // One line, control characters visible: it is printed, logged and announced as one.
    message: visible(oneLine(message.join(' '))) || '(no justification provided)',
    ...configOptions(flags),
    force: flags.force,
    json: flags.json,
    dryRun: flags['dry-run'],
    resume: flags.resume,
    ...(flags['pause-after'] !== undefined ? { pauseAfter: flags['pause-after'] } : {}),
  };
}
