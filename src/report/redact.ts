import type { RunEvent, RunReport } from '../model/run.js';

export type Redactor = (text: string) => string;

export const REDACTED = '[REDACTED]';

/** Replace every match of any pattern with [REDACTED]. Patterns were validated with the config. */
export function createRedactor(patterns: readonly string[]): Redactor {
  if (patterns.length === 0) return (text) => text;
  const expressions = patterns.map((pattern) => new RegExp(pattern, 'g'));
  return (text) => expressions.reduce((current, expression) => current.replace(expression, REDACTED), text);
}

/** The report with every host's output and error passed through the redactor. */
export function redactReport(report: RunReport, redact: Redactor): RunReport {
  return {
    ...report,
    message: redact(report.message),
    hosts: report.hosts.map((host) => ({
      ...host,
      ...(host.stdout !== undefined ? { stdout: redact(host.stdout) } : {}),
      ...(host.stderr !== undefined ? { stderr: redact(host.stderr) } : {}),
      ...(host.error !== undefined ? { error: redact(host.error) } : {}),
    })),
    ...(report.checks ? { checks: report.checks.map((check) => ({ ...check, detail: redact(check.detail) })) } : {}),
  };
}

/** The event with any host output in it passed through the redactor (for the screen). */
export function redactEvent(event: RunEvent, redact: Redactor): RunEvent {
  switch (event.type) {
    case 'restart-warning':
      return { ...event, stdout: redact(event.stdout), stderr: redact(event.stderr) };
    case 'check-result':
      return { ...event, output: redact(event.output), detail: redact(event.detail) };
    case 'host-end': {
      const { result } = event;
      const redacted = { ...result };
      if (result.error !== undefined) redacted.error = redact(result.error);
      if (result.stdout !== undefined) redacted.stdout = redact(result.stdout);
      if (result.stderr !== undefined) redacted.stderr = redact(result.stderr);
      return { ...event, result: redacted };
    }
    case 'run-end':
      return { ...event, report: redactReport(event.report, redact) };
    default:
      return event;
  }
}
