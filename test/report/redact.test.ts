import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/model/run.js';
import { createRedactor, redactEvent, redactReport, REDACTED } from '../../src/report/redact.js';

/** A report with one host that failed, its output and its error both carrying secrets. */
function reportWithSecrets(): RunReport {
  return {
    command: 'php-fpm-restart',
    message: 'rotate token=m1',
    status: 'failed',
    exitCode: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 10,
    phases: [],
    hosts: [
      {
        host: 'mw01',
        phase: 'restart-hosts',
        outcome: 'failed',
        exitCode: 1,
        stdout: 'token=a1 then token=a2\n',
        stderr: 'token=b1\ntoken=b2\n',
        error: 'restart returned [1]: token=e1, retried with token=e2',
      },
    ],
  };
}

describe('redaction', () => {
  it('replaces every match of every pattern, not only the first', () => {
    // Given two patterns
    const redact = createRedactor(['token=\\w+', 'pass(word)?:\\S+']);
    // When a text with several matches of each is redacted / Then none is left
    expect(redact('token=1 pass:x token=2 password:y token=3')).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED}`);
  });

  it('redacts the message, the output and the error of every host in a report', () => {
    // Given a report with secrets in every text field
    const redacted = redactReport(reportWithSecrets(), createRedactor(['token=\\w+']));
    // When it is redacted / Then no secret is left anywhere, the error included
    expect(JSON.stringify(redacted)).not.toMatch(/token=/);
    expect(redacted.message).toBe(`rotate ${REDACTED}`);
    expect(redacted.hosts[0]).toMatchObject({
      stdout: `${REDACTED} then ${REDACTED}\n`,
      stderr: `${REDACTED}\n${REDACTED}\n`,
      error: `restart returned [1]: ${REDACTED}, retried with ${REDACTED}`,
    });
  });

  it("redacts a failed host's error on the screen too", () => {
    const host = reportWithSecrets().hosts[0] as RunReport['hosts'][number];
    const event = redactEvent({ type: 'host-end', phase: host.phase, result: host }, createRedactor(['token=\\w+']));
    expect(JSON.stringify(event)).not.toContain('token=e');
  });
});
