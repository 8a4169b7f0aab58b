import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { phpFpmRestart } from '../../src/services/php-fpm-restart.js';
import { readStatus, showStatus, type StatusOptions } from '../../src/services/status.js';
import { Capture, stepFixture, type StepFixture } from '../run/fixture.js';

let fixture: StepFixture;
afterEach(async () => fixture?.cleanup());

const statusOptions = (extra: Partial<StatusOptions> = {}): StatusOptions => ({
  configPath: fixture.configPath,
  defines: [],
  cwd: fixture.dir,
  systemConfigPath: join(fixture.dir, 'no-system-config.json'),
  stderr: fixture.stderr,
  ...extra,
});

describe('deploy status during a staged run', () => {
  it("shows the stage's phase and the stage checks done, counted as checks", async () => {
    // Given stage one (checked) then stage two, whose host hangs in its restart
    fixture = await stepFixture(
      {
        targets: ['c1', 'a1', 'b1', 'r1'],
        canaries: ['c1'],
        stages: [
          { name: 'one', hosts: ['a1'], checks: ['true'] },
          { name: 'two', hosts: ['b1'] },
        ],
      },
      { hosts: { b1: { hang: true } } },
    );
    const run = phpFpmRestart(fixture.options());
    // When status is looked at while stage two restarts
    const until = Date.now() + 30_000;
    while (readStatus(statusOptions(), () => undefined).phase?.name !== 'restart-two') {
      if (Date.now() > until) throw new Error('restart-two never shown');
      await sleep(50);
    }
    const out = new Capture();
    await showStatus(statusOptions({ stdout: out }));
    fixture.signals.emit('SIGINT', 'SIGINT');
    fixture.signals.emit('SIGINT', 'SIGINT');
    expect(await run).toBe(130);
    // Then the stage's phases are listed by name, its checks counted as passed checks
    expect(out.text).toMatch(/\n {2}done restart-one: ok 1, failed 0\n/);
    expect(out.text).toMatch(/\n {2}done check-one: passed 1, failed 0\n/);
    expect(out.text).toMatch(/\n {2}phase restart-two \(1 host, [\d.]+s\): queued 0, running 1, ok 0, failed 0/);
  });
});
