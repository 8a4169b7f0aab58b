import { split } from 'shlex';

/** The threshold that makes the safe-restart script restart whatever the opcache state. */
export const ALWAYS_RESTART_THRESHOLD = '9223372036854775807';

export interface RestartCommandOptions {
  /** php_fpm_restart_script: a command line, split into words like a shell would. */
  script: string;
  /** php_fpm: the service name, or empty. */
  service: string;
  threshold: number;
  alwaysRestart: boolean;
  /** restart_sudo_user: empty runs without sudo. */
  sudoUser: string;
  force: boolean;
}

/**
 * The command run on each host in a restart phase, as words:
 * [sudo -u <user> -- ]<script>[ <php_fpm>] <threshold>[ --force]
 */
export function buildRestartCommand(options: RestartCommandOptions): string[] {
  const argv: string[] = [];
  if (options.sudoUser !== '') argv.push('sudo', '-u', options.sudoUser, '--');
  argv.push(...split(options.script));
  if (options.service !== '') argv.push(options.service);
  argv.push(options.alwaysRestart ? ALWAYS_RESTART_THRESHOLD : String(options.threshold));
  if (options.force) argv.push('--force');
  return argv;
}
