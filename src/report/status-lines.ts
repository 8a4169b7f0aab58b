import { formatSeconds } from '../lib/duration.js';
import { oneLine, plural, visible } from '../lib/text.js';
import { clock } from './format.js';
import { leftPhrase } from './pause-lines.js';
import type { StatusHost, StatusView } from './status-view.js';

/** The text of `deploy status`, drawn from its view (src/report/status-view.ts). */
const counted = (parts: Array<[string, number]>, always: string[]): string =>
  parts
    .filter(([word, count]) => count > 0 || always.includes(word))
    .map(([word, count]) => `${word} ${count}`)
    .join(', ');

function hostLine(host: StatusHost, width: number): string {
  const name = host.host.padEnd(width);
  const pool = host.pool !== undefined ? ` [${host.pool}]` : '';
  const why = (text: string | undefined) => visible(oneLine(text ?? ''));
  switch (host.state) {
    case 'running':
      return `  ${name}  running   for ${formatSeconds(host.forMs ?? 0)}${pool}`;
    case 'retrying':
      return `  ${name}  retrying  attempt ${host.attempt ?? '?'} (for ${formatSeconds(host.forMs ?? 0)}): ${why(host.error)}${pool}`;
    case 'stalled':
      return `  ${name}  stalled   silent for ${formatSeconds(host.silentMs ?? 0)} (running ${formatSeconds(host.forMs ?? 0)})${pool}`;
    case 'failed':
      return `  ${name}  failed    in ${host.phase}: ${why(host.error)}${pool}`;
  }
}

export interface StatusLinesOptions {
  /** Most host lines to draw (a terminal's height); the rest are counted. */
  maxHosts?: number;
}

/** The text of `deploy status`: plain lines, no colour. */
export function statusLines(view: StatusView, options: StatusLinesOptions = {}): string[] {
  if (!view.run) {
    const lines: string[] = [];
    if (view.running && view.holder && view.holderElsewhere) {
      const on = visible(view.holder.host);
      lines.push(
        `A deploy on ${on} holds the lock: ${visible(view.holder.user)}@${on} pid ${view.holder.pid} running "${visible(view.holder.command)}" since ${visible(view.holder.startedAt)} (its progress is shown by deploy status on ${on})`,
      );
    } else if (view.running && view.holder) {
      lines.push(
        `A deploy holds the lock but has published nothing yet: ${view.holder.user}@${view.holder.host} pid ${view.holder.pid} running "${visible(view.holder.command)}" since ${view.holder.startedAt}`,
      );
    } else {
      lines.push(view.cutOff ? 'no deploy running (the last run was cut off)' : 'no deploy running');
    }
    if (view.lastRun && !view.running) lines.push(`last run: ${visible(view.lastRun.line)}`);
    return lines;
  }
  const { run } = view;
  const what = run.path !== undefined ? `${run.command} ${run.path}` : run.command;
  const started = new Date(run.startedAt);
  const lines = [`deploy ${what}: ${visible(run.message)}`, `  by ${run.user}@${run.host} pid ${run.pid}, started ${clock(started)}`];
  for (const phase of view.done ?? []) {
    if (phase.name.startsWith('check-')) {
      lines.push(
        `  done ${phase.name}: ${counted(
          [
            ['passed', phase.ok],
            ['failed', phase.failed],
            ['skipped', phase.skipped],
          ],
          ['passed', 'failed'],
        )}`,
      );
      continue;
    }
    lines.push(
      `  done ${phase.name}: ${counted(
        [
          ['ok', phase.ok],
          ['warn', phase.warning],
          ['failed', phase.failed],
          ['skipped', phase.skipped],
          ['not-started', phase.notStarted],
        ],
        ['ok', 'failed'],
      )}`,
    );
  }
  const phase = view.phase;
  if (phase) {
    const figures = phase.name.startsWith('check-')
      ? counted(
          [
            ['passed', phase.ok],
            ['failed', phase.failed],
            ['left', phase.queued],
          ],
          ['passed', 'failed', 'left'],
        )
      : counted(
          [
            ['queued', phase.queued],
            ['running', phase.running],
            ['retrying', phase.retrying],
            ['stalled', phase.stalled],
            ['ok', phase.ok],
            ['warn', phase.warning],
            ['failed', phase.failed],
            ['skipped', phase.skipped],
            ['not-started', phase.notStarted],
          ],
          ['queued', 'running', 'ok', 'failed'],
        );
    lines.push(
      `  phase ${phase.name} (${plural(phase.total, phase.name.startsWith('check-') ? 'check' : 'host')}, ${formatSeconds(phase.elapsedMs)}): ${figures}`,
    );
  } else if (view.paused) {
    const { paused } = view;
    lines.push(
      `  paused after ${paused.after} since ${clock(new Date(paused.since))} (for ${formatSeconds(paused.forMs)}): deploy promote to go on, deploy abort to stop`,
      `  left: ${leftPhrase(paused.left)}; aborts in ${formatSeconds(paused.timeoutInMs)} with no answer (pause_timeout)`,
    );
  } else {
    lines.push('  between phases');
  }
  for (const pool of view.pools ?? []) {
    lines.push(
      `  pool ${pool.name}: ${counted(
        [
          ['queued', pool.queued],
          ['running', pool.running],
          ['ok', pool.ok],
          ['warn', pool.warning],
          ['failed', pool.failed],
        ],
        ['queued', 'running', 'ok', 'failed'],
      )}${pool.halted ? ' (halted)' : ''}`,
    );
  }
  const hosts = view.hosts ?? [];
  const shown = options.maxHosts !== undefined ? hosts.slice(0, Math.max(0, options.maxHosts)) : hosts;
  const width = Math.max(0, ...shown.map((host) => host.host.length));
  for (const host of shown) lines.push(hostLine(host, width));
  const hidden = hosts.length - shown.length + (view.moreFailed ?? 0);
  if (hidden > 0) lines.push(`  ... and ${plural(hidden, 'more host')}`);
  lines.push(`  (as of ${clock(new Date(run.updatedAt))})`);
  return lines;
}
