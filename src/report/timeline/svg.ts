import type { Outcome } from '../../rollout/types.js';
import { formatSeconds } from '../../lib/duration.js';
import { phaseDuration, placeSpans, tickLabel, tickStep, ticks, type Span } from './axis.js';
import { clip, label as shown, xml } from './escape.js';
import { zeroLengthMarks, type TimelineBar, type TimelineModel, type TimelinePhase } from './model.js';

/** Fill and stroke per outcome: ok green, warning amber, failed red, skipped grey, not started an outline. */
export const OUTCOME_COLOURS: Record<Outcome, { fill: string; stroke: string; dash?: string }> = {
  ok: { fill: '#3fa34d', stroke: '#2b7a37' },
  warning: { fill: '#f0ad1c', stroke: '#b07a07' },
  failed: { fill: '#d9443a', stroke: '#9f2a22' },
  skipped: { fill: '#a9afb6', stroke: '#858b92' },
  'not-started': { fill: '#ffffff', stroke: '#9ea4ab', dash: '3 2' },
};
const OUTCOME_ORDER: Outcome[] = ['ok', 'warning', 'failed', 'skipped', 'not-started'];
/** Background tints, one per phase in order. */
const PHASE_TINTS = ['#d8e6f7', '#e6dcf4', '#d6efe9', '#f6e6cf', '#f4d9e5', '#e3ebcc', '#d9dcf2', '#efdfd2'];
const STATUS_COLOURS: Record<TimelineModel['status'], string> = {
  success: '#2b7a37',
  warnings: '#b07a07',
  failed: '#b3261e',
  aborted: '#b3261e',
  'rolled-back': '#b3261e',
  interrupted: '#6b4fa0',
};

const WIDTH = 1000;
const PAD = 16;
const ROW = 22;
const BAR = 14;
/** A bar's least width, and the width of the mark of a host that never ran. */
const MIN_BAR = 3;
const MARK = 8;
const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif";
const MONO = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace";
/** Rough advance of one character, to keep labels apart (the fonts above are close to it). */
const CHAR = { mono12: 7.3, sans11: 6.4, sans12: 6, bold15: 9 };

const num = (value: number): string => String(Math.round(value * 10) / 10);
const tint = (index: number): string => PHASE_TINTS[index % PHASE_TINTS.length] as string;

function rect(x: number, y: number, width: number, height: number, attributes: string, title?: string): string {
  const shape = `<rect x="${num(x)}" y="${num(y)}" width="${num(Math.max(0, width))}" height="${num(height)}" ${attributes}`;
  return title === undefined ? `${shape}/>` : `${shape}><title>${xml(title)}</title></rect>`;
}

function text(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${num(x)}" y="${num(y)}"${attributes ? ` ${attributes}` : ''}>${xml(content)}</text>`;
}

function barTitle(bar: TimelineBar): string {
  const exit = bar.exitCode !== undefined && bar.exitCode !== 0 ? ` (exit ${bar.exitCode})` : '';
  const ran = bar.outcome === 'skipped' || bar.outcome === 'not-started' ? '' : `, ${formatSeconds(bar.durationMs)}`;
  const when = ran === '' ? '' : bar.startRecorded ? `, started at ${formatSeconds(bar.startMs)}` : ', start not recorded (drawn at the phase start)';
  return `${bar.host} · ${bar.phase}: ${bar.outcome}${exit}${ran}${when}${bar.error ? ` · ${bar.error}` : ''}`;
}

function phaseTitle(phase: TimelinePhase): string {
  const counts = Object.entries(phase.counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name === 'notStarted' ? 'not started' : name}`)
    .join(', ');
  const when = phaseDuration(phase) === 'not reached' ? 'not reached' : `${formatSeconds(phase.durationMs)} from ${formatSeconds(phase.startMs)}`;
  return `${phase.name}: ${when}${counts ? ` · ${counts}` : ''}`;
}

function titleBlock(model: TimelineModel): string[] {
  const badge = model.status.toUpperCase();
  const badgeWidth = badge.length * 8.8 + 14;
  const what = `${[model.command, model.path].filter((part) => part !== undefined).join(' ')}: ${model.message}`;
  const room = Math.floor((WIDTH - PAD * 2 - badgeWidth - 10) / CHAR.bold15);
  const who = model.user !== undefined ? ` by ${model.user}${model.machine !== undefined ? `@${model.machine}` : ''}` : '';
  const when = model.startedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return [
    rect(PAD, 12, badgeWidth, 20, `rx="4" fill="${STATUS_COLOURS[model.status] ?? '#555'}" class="status"`),
    text(PAD + badgeWidth / 2, 26.5, badge, 'fill="#ffffff" font-size="12" font-weight="bold" text-anchor="middle" letter-spacing="0.5"'),
    text(PAD + badgeWidth + 10, 27, clip(shown(what), room), 'font-size="15" font-weight="bold" fill="#1f2328" class="title"'),
    text(
      PAD,
      50,
      `run ${model.id ?? '(no id)'}${who} · started ${when} · took ${formatSeconds(model.durationMs)}${model.startsRecorded ? '' : ' · host starts not recorded: bars start with their phase'}`,
      'font-size="12" fill="#57606a"',
    ),
  ];
}

/**
 * Pixel spans on the chart, each at least `minWidth` wide, none hiding another in its row. An
 * item that never ran is a `markWidth` mark, at `zeroAt` when given (its phase's own mark).
 */
function spansOf<T extends { startMs: number; durationMs: number }>(
  items: readonly T[],
  perMs: number,
  chartWidth: number,
  minWidth: number,
  markWidth: number,
  zeroAt?: (item: T) => number | undefined,
): Span[] {
  const spans = items.map((item) => {
    if (item.durationMs > 0) return { start: item.startMs * perMs, end: (item.startMs + item.durationMs) * perMs };
    const start = zeroAt?.(item) ?? item.startMs * perMs;
    return { start, end: start + markWidth };
  });
  return placeSpans(spans, minWidth, chartWidth);
}

function legend(model: TimelineModel, y: number): { parts: string[]; height: number } {
  const parts: string[] = [];
  const bars = model.rows.flatMap((row) => row.bars);
  let x = PAD;
  parts.push(text(x, y + 10, 'outcome', 'font-size="12" fill="#57606a" font-weight="bold"'));
  x += 70;
  for (const outcome of OUTCOME_ORDER) {
    const colour = OUTCOME_COLOURS[outcome];
    const label = `${outcome.replace('-', ' ')} (${bars.filter((bar) => bar.outcome === outcome).length})`;
    parts.push(
      rect(
        x,
        y,
        14,
        12,
        `rx="2" fill="${colour.fill}" stroke="${colour.stroke}"${colour.dash ? ` stroke-dasharray="${colour.dash}"` : ''} class="legend-swatch"`,
      ),
    );
    parts.push(text(x + 20, y + 10, label, 'font-size="12" fill="#1f2328"'));
    x += 20 + label.length * CHAR.sans12 + 16;
  }
  let line = 1;
  x = PAD + 70;
  parts.push(text(PAD, y + 22 + 10, 'phases', 'font-size="12" fill="#57606a" font-weight="bold"'));
  for (const [index, phase] of model.phases.entries()) {
    const label = `${index + 1} ${phase.name} · ${phaseDuration(phase)}`;
    const width = 20 + label.length * CHAR.sans12 + 16;
    if (x + width > WIDTH - PAD && x > PAD + 70) {
      line++;
      x = PAD + 70;
    }
    parts.push(rect(x, y + 22 * line, 14, 12, `rx="2" fill="${tint(index)}" stroke="#9aa3ad" class="legend-swatch"`));
    parts.push(text(x + 20, y + 22 * line + 10, shown(label), 'font-size="12" fill="#1f2328"'));
    x += width;
  }
  return { parts, height: 22 * (line + 1) };
}

/**
 * The run as a standalone SVG: status and title, a band per phase (tinted, named when the name
 * fits, numbered otherwise), one row per host with one bar per phase coloured by outcome and a
 * tooltip, a time axis in seconds, and a legend of outcomes and phases.
 */
export function timelineSvg(model: TimelineModel): string {
  const longest = Math.max(6, ...model.rows.map((row) => shown(row.host).length));
  const nameWidth = Math.min(320, Math.ceil(longest * CHAR.mono12) + 14);
  const chartX = PAD + nameWidth;
  const chartWidth = WIDTH - chartX - PAD - 10;
  const perMs = Math.max(1, chartWidth - zeroLengthMarks(model) * (MARK + 1)) / Math.max(1, model.totalMs);
  const headerY = 66;
  const rowsY = headerY + 26;
  const rowsHeight = Math.max(1, model.rows.length) * ROW;
  const axisY = rowsY + rowsHeight + 4;
  const parts: string[] = [...titleBlock(model)];

  const phaseSpans = spansOf(model.phases, perMs, chartWidth, 2, MARK);
  parts.push(text(PAD, headerY + 15, 'phase', 'font-size="11" fill="#57606a"'));
  for (const [index, phase] of model.phases.entries()) {
    const span = phaseSpans[index] as Span;
    const x = chartX + span.start;
    const width = span.end - span.start;
    parts.push(rect(x, rowsY, width, rowsHeight, `fill="${tint(index)}" fill-opacity="0.45" class="phase-band"`));
    parts.push(rect(x, headerY, width, 22, `fill="${tint(index)}" stroke="#ffffff" class="phase"`, phaseTitle(phase)));
    const name = shown(phase.name);
    const label = name.length * CHAR.sans11 + 8 <= width ? name : String(index + 1).length * CHAR.sans11 + 4 <= width ? String(index + 1) : '';
    if (label) parts.push(text(x + width / 2, headerY + 15, label, 'font-size="11" fill="#1f2328" text-anchor="middle"'));
  }

  for (const pause of model.pauses) {
    const x = chartX + Math.min(chartWidth, pause.startMs * perMs);
    const width = Math.max(2, Math.min(chartWidth - (x - chartX), pause.durationMs * perMs));
    parts.push(rect(x, headerY, width, 22, 'fill="#ffffff" stroke="#8c959f" stroke-dasharray="4 2" class="pause"', shown(pause.label)));
    if (width >= 50) parts.push(text(x + width / 2, headerY + 15, 'paused', 'font-size="11" fill="#57606a" text-anchor="middle"'));
  }

  const step = tickStep(model.totalMs, perMs, (label) => label.length * CHAR.sans11, 24);
  for (const ms of ticks(model.totalMs, step)) {
    const x = chartX + Math.min(chartWidth, ms * perMs);
    parts.push(`<line x1="${num(x)}" y1="${num(rowsY)}" x2="${num(x)}" y2="${num(axisY)}" stroke="#8c959f" stroke-opacity="0.25"/>`);
    parts.push(`<line x1="${num(x)}" y1="${num(axisY)}" x2="${num(x)}" y2="${num(axisY + 5)}" stroke="#57606a"/>`);
    parts.push(text(x, axisY + 18, tickLabel(ms, model.totalMs), 'font-size="11" fill="#57606a" text-anchor="middle" class="tick"'));
  }
  parts.push(`<line x1="${num(chartX)}" y1="${num(axisY)}" x2="${num(chartX + chartWidth)}" y2="${num(axisY)}" stroke="#57606a"/>`);

  for (const [index, row] of model.rows.entries()) {
    const y = rowsY + index * ROW;
    if (index % 2 === 1) parts.push(rect(PAD, y, nameWidth + chartWidth, ROW, 'fill="#1f2328" fill-opacity="0.035"'));
    parts.push(
      text(
        PAD,
        y + ROW / 2 + 4,
        clip(shown(row.host), Math.floor((nameWidth - 10) / CHAR.mono12)),
        `font-family="${MONO}" font-size="12" fill="#1f2328" class="host"`,
      ),
    );
    const spans = spansOf(row.bars, perMs, chartWidth, MIN_BAR, MARK, (bar) => phaseSpans[bar.phaseIndex]?.start);
    for (const [barIndex, bar] of row.bars.entries()) {
      const span = spans[barIndex] as Span;
      const colour = OUTCOME_COLOURS[bar.outcome] ?? OUTCOME_COLOURS.skipped;
      const dash = colour.dash ? ` stroke-dasharray="${colour.dash}"` : '';
      parts.push(
        rect(
          chartX + span.start,
          y + (ROW - BAR) / 2,
          span.end - span.start,
          BAR,
          `rx="2" fill="${colour.fill}" stroke="${colour.stroke}"${dash} class="bar ${bar.outcome}"`,
          barTitle(bar),
        ),
      );
    }
  }

  const keys = legend(model, axisY + 34);
  parts.push(...keys.parts);
  const height = axisY + 34 + keys.height + PAD;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="${SANS}">`,
    `<title>${xml(`deploy ${model.command}${model.path !== undefined ? ` ${model.path}` : ''}: ${model.message} (${model.status})`)}</title>`,
    rect(0, 0, WIDTH, height, 'fill="#ffffff"'),
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
