import { describe, expect, it } from 'vitest';
import { resolveConcurrency, resolveFailureLimit } from '../../../src/run/plan/limits.js';
import { ALWAYS_RESTART_THRESHOLD, buildRestartCommand } from '../../../src/remote-commands/restart-php-fpm.js';
import { renderCommand } from '../../../src/transport/quote.js';

describe('limits', () => {
  it('rounds a percentage concurrency up, and never below 1', () => {
    // Given percentages of phases of various sizes / When resolved / Then they round up
    expect(resolveConcurrency({ value: 10, percent: true }, 11)).toBe(2);
    expect(resolveConcurrency({ value: 10, percent: true }, 10)).toBe(1);
    expect(resolveConcurrency({ value: 10, percent: true }, 1)).toBe(1);
    expect(resolveConcurrency({ value: 25, percent: true }, 0)).toBe(1);
    expect(resolveConcurrency({ value: 8, percent: false }, 3)).toBe(8);
  });

  it('rounds a percentage failure limit down', () => {
    // Given 5% of 39 hosts / When resolved / Then 1 (1.95 rounded down); of 19 hosts, 0
    expect(resolveFailureLimit({ value: 5, percent: true }, 39)).toBe(1);
    expect(resolveFailureLimit({ value: 5, percent: true }, 19)).toBe(0);
    expect(resolveFailureLimit({ value: 3, percent: false }, 1)).toBe(3);
  });
});

describe('the restart command', () => {
  const base = { script: '/usr/local/sbin/restart-php-fpm', service: 'php7.4-fpm', threshold: 100, alwaysRestart: false, sudoUser: 'root', force: false };

  it('is exactly [sudo -u <user> -- ]<script>[ <php_fpm>] <threshold>[ --force]', () => {
    // Given the default options / When rendered / Then the SPEC's shape
    expect(renderCommand(buildRestartCommand(base))).toBe('sudo -u root -- /usr/local/sbin/restart-php-fpm php7.4-fpm 100');
    expect(renderCommand(buildRestartCommand({ ...base, sudoUser: '', service: '', force: true }))).toBe('/usr/local/sbin/restart-php-fpm 100 --force');
  });

  it('puts the maximum threshold in when always_restart is set', () => {
    expect(buildRestartCommand({ ...base, alwaysRestart: true })).toContain(ALWAYS_RESTART_THRESHOLD);
    expect(ALWAYS_RESTART_THRESHOLD).toBe('9223372036854775807');
  });

  it('quotes every word that a shell would otherwise interpret', () => {
    // Given a service name and sudo user with shell metacharacters
    const argv = buildRestartCommand({ ...base, script: "'/opt/my scripts/restart' --quiet", service: 'php; rm -rf /', sudoUser: "o'brien" });
    // When rendered / Then each stays one quoted word
    expect(renderCommand(argv)).toBe(`sudo -u 'o'"'"'brien' -- '/opt/my scripts/restart' --quiet 'php; rm -rf /' 100`);
  });
});
