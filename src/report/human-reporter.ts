import { Chalk, type ChalkInstance } from 'chalk';
import type { default as Ora, Ora as Spinner } from 'ora';
import type { Reporter, RunEvent } from '../model/run.js';
import { formatDuration, formatSeconds } from '../lib/duration.js';
import { oneLine, plural, visible } from '../lib/text.js';
import { clock, outputBlock, progressLine } from './format.js';
import { PhaseActivity } from './phase-activity.js';
import { type SaidHost, saidLines } from './said-lines.js';
import { finalLine, startLine, summaryLines, warningRecap } from './summary.js';
import { pauseLines } from './pause-lines.js';

export interface HumanReporterOptions {
  stream: NodeJS.WritableStream;
  /** A terminal: spinner with live status (given `ora`), colour unless NO_COLOR. */
  interactive: boolean;
  /** ora, loaded by the caller only for a terminal: without it, plain lines. */
  ora?: typeof Ora;
  color: boolean;
  /** In plain mode, the least time between two progress lines of one phase. */
  progressEveryMs?: number;
  /** In plain mode, how often a live-status line is printed while hosts are running. */
  statusEveryMs?: number;
  now?: () => number;
}

export interface HumanReporter {
  report: Reporter;
  close(): void;
}

type Style = 'plain' | 'warn' | 'fail' | 'good' | 'dim';

/**
 * The stream as ora sees it: its width is never 0 or unknown (ora divides by it and would
 * loop writing cursor moves). The ticker notices a real width of 0 and goes plain.
 */
function withSafeWidth(stream: NodeJS.WritableStream): NodeJS.WritableStream {
  return new Proxy(stream, {
    get(target, property, receiver) {
      if (property === 'columns') {
        const columns = (target as { columns?: number }).columns ?? 0;
        return columns > 0 ? columns : 80;
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** A block that starts on its own line needs no space after the colon. */
const spaced = (block: string): string => (block.startsWith('\n') ? block : ` ${block}`);

/** The lines an event prints, with their style; the same for terminal and CI. */
function linesFor(event: RunEvent): Array<[Style, string]> {
  switch (event.type) {
    case 'run-start':
      return [['plain', startLine(event)]];
    case 'phase-start':
      return [['plain', `Started ${event.phase}`]];
    case 'phase-end':
      return [
        ['good', `Finished ${event.phase} (duration: ${formatDuration(event.durationMs)})${event.notes.length > 0 ? `: ${event.notes.join('; ')}` : ''}`],
      ];
    case 'notice':
      return [[event.level === 'warn' ? 'warn' : 'plain', event.level === 'warn' ? `Warning: ${event.text}` : event.text]];
    case 'restart-warning':
      return [['warn', `${event.command} on ${event.host} returned [${event.exitCode}]:${spaced(outputBlock(visible(event.stdout), visible(event.stderr)))}`]];
    case 'check-result': {
      const what = `${visible(event.command)}${event.host !== undefined ? ` (${event.host})` : ''}`;
      const check = event.stage === undefined ? 'Canary check' : `Check of stage ${event.stage}`;
      if (event.ok) return [['plain', `${check} passed: ${what}: ${visible(event.detail)}`]];
      if (event.exitCode === undefined) return [['fail', `${check} failed: ${what}: ${visible(event.detail)}`]];
      return [['fail', `${check} failed: ${what} returned [${event.exitCode}]:${spaced(outputBlock(visible(event.output), ''))}`]];
    }
    case 'host-end': {
      const { host, phase, outcome, error } = event.result;
      if (outcome === 'failed') return [['fail', `${host} failed in ${phase}: ${visible(oneLine(error ?? 'unknown error'))}`]];
      // A host the task itself left alone (a rollback finding the file changed since) says why.
      if (outcome === 'skipped' && error !== undefined) return [['warn', `${host} skipped in ${phase}: ${visible(oneLine(error))}`]];
      return [];
    }
    case 'host-retry':
      return [['warn', `${event.host}: ${visible(oneLine(event.error))}; retrying (attempt ${event.attempt + 1}) in ${formatSeconds(event.delayMs)}`]];
    case 'paused':
    case 'pause-end':
      return pauseLines(event);
    case 'limit-reached':
      return [['fail', `failure_limit reached in ${event.phase}: ${plural(event.failed, 'host')} failed, ${event.limit} tolerated; no new host will start`]];
    default:
      return [];
  }
}

/** A host of a restart phase whose script ran to its end (ok or warning), as the grouping sees it. */
function ranCommand(result: Extract<RunEvent, { type: 'host-end' }>['result']): SaidHost[] {
  const ran = (result.outcome === 'ok' || result.outcome === 'warning') && (result.stdout !== undefined || result.stderr !== undefined);
  if (!ran || !/^(rollback-)?restart(-|$)/.test(result.phase)) return [];
  return [{ host: result.host, stdout: result.stdout ?? '', stderr: result.stderr ?? '', warned: result.outcome === 'warning' }];
}

/** Human output: timestamped lines; on a terminal an ora spinner carries the live status. */
export function createHumanReporter(options: HumanReporterOptions): HumanReporter {
  const now = options.now ?? Date.now;
  const chalk: ChalkInstance = new Chalk({ level: options.color ? 1 : 0 });
  const paint: Record<Style, (text: string) => string> = {
    plain: (text) => text,
    warn: chalk.yellow,
    fail: chalk.red,
    good: chalk.green,
    dim: chalk.dim,
  };
  const status = new PhaseActivity();
  let spinner: Spinner | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const lastProgress = new Map<string, number>();
  /** What the hosts of the phase running now said, for the grouping after it. */
  let said: SaidHost[] = [];
  const { ora } = options;
  let live: 'spinner' | 'plain' = options.interactive && ora !== undefined ? 'spinner' : 'plain';

  const write = (style: Style, text: string): void => {
    const line = `${chalk.dim(clock(new Date(now())))} ${paint[style](text)}\n`;
    if (spinner?.isSpinning) {
      spinner.clear();
      options.stream.write(line);
      spinner.render();
    } else {
      options.stream.write(line);
    }
  };

  /** Live status: a spinner on a terminal; in CI a plain status line every few seconds. */
  const startLive = (): void => {
    if (ticker) return;
    if (live === 'spinner' && ora !== undefined) {
      spinner = ora({
        stream: withSafeWidth(options.stream),
        discardStdin: false,
        hideCursor: false,
        isEnabled: true,
        color: options.color ? 'cyan' : false,
      }).start(status.line(now()));
      ticker = setInterval(() => {
        // A terminal resized to no width: stop redrawing, go on with plain lines.
        if (((options.stream as { columns?: number }).columns ?? 0) <= 0) {
          stopLive();
          live = 'plain';
          startLive();
        } else if (spinner) spinner.text = status.line(now());
      }, 250);
    } else {
      ticker = setInterval(() => {
        if (status.runningCount > 0) write('dim', status.line(now()));
      }, options.statusEveryMs ?? 10_000);
    }
    ticker.unref();
  };
  const stopLive = (): void => {
    clearInterval(ticker);
    ticker = undefined;
    spinner?.stop();
    spinner = undefined;
  };

  /** Progress during a phase, at most every progressEveryMs; phase-end prints the final figures. */
  const progress = (event: Extract<RunEvent, { type: 'progress' }>): void => {
    if (event.counts.left === 0) return;
    const at = now();
    if (at - (lastProgress.get(event.phase) ?? at) < (options.progressEveryMs ?? 2000)) return;
    lastProgress.set(event.phase, at);
    write('plain', progressLine(event.phase, event.counts));
  };

  const report: Reporter = (event) => {
    switch (event.type) {
      case 'run-end': {
        stopLive();
        for (const line of summaryLines(event.report)) write('plain', line);
        for (const line of warningRecap(event.report)) write('warn', line);
        const style: Style = event.report.status === 'success' ? 'good' : event.report.status === 'warnings' ? 'warn' : 'fail';
        write(style, finalLine(event.report, event.reason));
        return;
      }
      case 'phase-start':
        said = [];
        status.reset(event.phase);
        lastProgress.set(event.phase, now());
        break;
      case 'host-start':
        status.update(event);
        startLive();
        break;
      case 'host-end':
        said.push(...ranCommand(event.result));
        status.update(event);
        break;
      case 'host-retry':
      case 'host-output':
        status.update(event);
        break;
      case 'progress':
        status.update(event);
        progress(event);
        break;
      case 'phase-end':
        stopLive();
        if (!event.phase.startsWith('check-')) write('plain', progressLine(event.phase, event.counts));
        break;
    }
    for (const [style, text] of linesFor(event)) write(style, text);
    if (event.type === 'phase-end') for (const line of saidLines(event.phase, said)) write(line.warned ? 'warn' : 'plain', line.text);
  };

  return { report, close: stopLive };
}
