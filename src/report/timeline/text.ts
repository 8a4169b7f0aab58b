import { Chalk, type ChalkInstance } from 'chalk';
import type { Outcome } from '../../rollout/types.js';
import { formatSeconds } from '../../lib/duration.js';
import { phaseDuration, placeSpans, tickLabel, tickStep, ticks, type Span } from './axis.js';
import { clip, label as shown } from './escape.js';
import { zeroLengthMarks, type TimelineModel } from './model.js';

export interface TimelineTextOptions {
  /** Terminal columns; 0 or unset: 80. Narrower than 30 is drawn at 30. */
  width?: number;
  /** Colour by outcome: true (basic colours), a chalk instance, or false/unset for plain text. */
  color?: boolean | ChalkInstance;
}

export const DEFAULT_WIDTH = 80;
export const MIN_WIDTH = 30;
/** Bar characters, one per phase in order (cycling past twenty phases: stages add three each). */
export const PHASE_CHARS = ['=', '#', ':', '~', '%', '+', '*', '&', '@', '$', '^', '<', '>', '?', '!', '/', '(', ')', '{', '}'] as const;
/** The last cell of a bar that did not end ok; plain text shows the outcome by it. */
export const OUTCOME_MARKS: Record<Exclude<Outcome, 'ok'>, string> = { warning: 'W', failed: 'F', skipped: 's', 'not-started': '.' };

/** The phase row between a phase and the next while the run was paused. */
export const PAUSE_CHAR = '_';

export const UNRECORDED_STARTS = 'note: host starts not recorded; bars start with their phase';

type Style = Outcome | 'plain' | 'dim' | 'bold';
type Piece = [text: string, style: Style];

export const phaseChar = (index: number): string => PHASE_CHARS[index % PHASE_CHARS.length] as string;

function painter(color: TimelineTextOptions['color']): (style: Style, text: string) => string {
  const chalk = typeof color === 'function' ? color : new Chalk({ level: color ? 1 : 0 });
  const styles: Record<Style, (text: string) => string> = {
    ok: chalk.green,
    warning: chalk.yellow,
    failed: chalk.red,
    skipped: chalk.gray,
    'not-started': chalk.dim,
    plain: (text) => text,
    dim: chalk.dim,
    bold: chalk.bold,
  };
  return (style, text) => (text === '' || styles[style] === undefined ? text : styles[style](text));
}

/** Pieces cut to `width` visible columns, the last one kept ending with `…` where the cut falls. */
function fitPieces(pieces: readonly Piece[], width: number): Piece[] {
  const total = pieces.reduce((sum, [text]) => sum + text.length, 0);
  if (total <= width) return [...pieces];
  const fitted: Piece[] = [];
  let left = width - 1;
  for (const [text, style] of pieces) {
    if (left <= 0) break;
    fitted.push([text.slice(0, left), style]);
    left -= Math.min(left, text.length);
  }
  const last = fitted[fitted.length - 1];
  if (last) last[0] += '…';
  else if (width > 0) fitted.push(['…', 'plain']);
  return fitted;
}

/** A row of cells, each a character and its style, drawn as runs of one style. */
class Cells {
  readonly chars: string[];
  readonly styles: Style[];
  constructor(width: number) {
    this.chars = Array.from({ length: width }, () => ' ');
    this.styles = Array.from({ length: width }, (): Style => 'plain');
  }
  put(at: number, text: string, style: Style): void {
    for (const [offset, char] of [...text].entries()) {
      if (at + offset < 0 || at + offset >= this.chars.length) continue;
      this.chars[at + offset] = char;
      this.styles[at + offset] = style;
    }
  }
  pieces(): Piece[] {
    const pieces: Piece[] = [];
    const end = this.chars.join('').trimEnd().length;
    for (let i = 0; i < end; i++) {
      const last = pieces[pieces.length - 1];
      if (last && last[1] === this.styles[i]) last[0] += this.chars[i];
      else pieces.push([this.chars[i] as string, this.styles[i] as Style]);
    }
    return pieces;
  }
}

/** Cells of the chart, each ms at `perMs` columns, every span at least one column. */
function columns(spans: readonly Span[], perMs: number, chartWidth: number): Span[] {
  const scaled = spans.map((span) => ({ start: Math.round(span.start * perMs), end: Math.round(span.end * perMs) }));
  return placeSpans(scaled, 1, chartWidth);
}

function axisRows(model: TimelineModel, perMs: number, chartWidth: number): [Cells, Cells] {
  const labels = new Cells(chartWidth);
  const ruler = new Cells(chartWidth);
  ruler.put(0, '-'.repeat(chartWidth), 'dim');
  const step = tickStep(model.totalMs, perMs, (label) => label.length, 2);
  let free = 0;
  for (const ms of ticks(model.totalMs, step)) {
    const column = Math.min(chartWidth - 1, Math.round(ms * perMs));
    ruler.put(column, '+', 'dim');
    const label = tickLabel(ms, model.totalMs);
    const at = Math.min(column, chartWidth - label.length);
    if (at < free) continue;
    labels.put(at, label, 'dim');
    free = at + label.length + 1;
  }
  return [labels, ruler];
}

function phaseRow(model: TimelineModel, spans: readonly Span[], chartWidth: number, perMs: number): Cells {
  const cells = new Cells(chartWidth);
  for (const [index, phase] of model.phases.entries()) {
    const span = spans[index] as Span;
    const width = span.end - span.start;
    cells.put(span.start, phaseChar(index).repeat(width), phase.outcome);
    const name = shown(phase.name);
    if (name.length + 2 <= width) cells.put(span.start + Math.floor((width - name.length) / 2), name, phase.outcome);
  }
  // A pause fills the room between its phase and the next one with PAUSE_CHAR.
  for (const pause of model.pauses) {
    const start = spans[pause.phaseIndex]?.end ?? 0;
    const end = spans[pause.phaseIndex + 1]?.start ?? Math.min(chartWidth, Math.round((pause.startMs + pause.durationMs) * perMs));
    if (end <= start) continue;
    cells.put(start, PAUSE_CHAR.repeat(end - start), 'dim');
    if (end - start >= 'paused'.length + 2) cells.put(start + Math.floor((end - start - 6) / 2), 'paused', 'dim');
  }
  return cells;
}

/** A host's bars; one that never ran is a one-column mark under its phase's own column. */
function hostRow(bars: TimelineModel['rows'][number]['bars'], phaseSpans: readonly Span[], perMs: number, chartWidth: number): Cells {
  const cells = new Cells(chartWidth);
  const wanted = bars.map((bar) => {
    const start = bar.durationMs === 0 ? (phaseSpans[bar.phaseIndex]?.start ?? Math.round(bar.startMs * perMs)) : Math.round(bar.startMs * perMs);
    return { start, end: bar.durationMs === 0 ? start + 1 : Math.round((bar.startMs + bar.durationMs) * perMs) };
  });
  const spans = placeSpans(wanted, 1, chartWidth);
  for (const [index, bar] of bars.entries()) {
    const span = spans[index] as Span;
    const width = span.end - span.start;
    if (width <= 0) continue;
    cells.put(span.start, phaseChar(bar.phaseIndex).repeat(width), bar.outcome);
    if (bar.outcome !== 'ok') cells.put(span.end - 1, OUTCOME_MARKS[bar.outcome] ?? '?', bar.outcome);
  }
  return cells;
}

/** Legend items after `head`, wrapped to `width` under the first item. */
function legendLines(head: string, items: Piece[][], width: number): Piece[][] {
  const lines: Piece[][] = [];
  let line: Piece[] = [[head, 'dim']];
  let used = head.length;
  for (const item of items) {
    const length = item.reduce((sum, [text]) => sum + text.length, 0);
    if (used > head.length && used + 2 + length > width) {
      lines.push(line);
      line = [[' '.repeat(head.length), 'plain']];
      used = head.length;
    }
    if (used > head.length) line.push(['  ', 'plain']);
    line.push(...item);
    used += (used > head.length ? 2 : 0) + length;
  }
  lines.push(line);
  return lines;
}

function titleLines(model: TimelineModel): Piece[][] {
  const what = [model.command, model.path]
    .filter((part) => part !== undefined)
    .map((part) => shown(part as string))
    .join(' ');
  const status: Style = model.status === 'success' ? 'ok' : model.status === 'warnings' || model.status === 'interrupted' ? 'warning' : 'failed';
  const who = model.user !== undefined ? ` by ${shown(model.user)}${model.machine !== undefined ? `@${shown(model.machine)}` : ''}` : '';
  const when = shown(model.startedAt)
    .replace('T', ' ')
    .replace(/(\.\d+)?Z$/, ' UTC');
  return [
    [
      [model.status, status],
      [` ${what}: `, 'bold'],
      [shown(model.message), 'plain'],
    ],
    [[`run ${model.id !== undefined ? shown(model.id) : '(no id)'}${who}, took ${formatSeconds(model.durationMs)}, started ${when}`, 'dim']],
  ];
}

/**
 * The run as text: title, time axis, a row of phases, one row per host with a bar per phase
 * (a character per phase, coloured by outcome; a non-ok bar ends with its outcome's letter so
 * plain text shows it too), and a legend. Every line fits in `width` columns.
 */
export function timelineLines(model: TimelineModel, options: TimelineTextOptions = {}): string[] {
  const width = options.width !== undefined && options.width > 0 ? Math.max(MIN_WIDTH, Math.floor(options.width)) : DEFAULT_WIDTH;
  const paint = painter(options.color);
  const names = model.rows.map((row) => shown(row.host));
  const nameWidth = Math.min(Math.max('phases'.length, ...names.map((name) => name.length)), Math.floor(width / 3));
  const chartWidth = width - nameWidth - 1;
  const perMs = Math.max(1, chartWidth - zeroLengthMarks(model)) / Math.max(1, model.totalMs);
  const withName = (name: string, cells: Cells, style: Style = 'plain'): Piece[] => [[clip(name, nameWidth).padEnd(nameWidth + 1), style], ...cells.pieces()];

  const [labels, ruler] = axisRows(model, perMs, chartWidth);
  const phaseSpans = columns(
    model.phases.map((phase) => ({ start: phase.startMs, end: phase.startMs + phase.durationMs })),
    perMs,
    chartWidth,
  );
  const lines: Piece[][] = [
    ...titleLines(model),
    withName('', labels),
    withName('', ruler),
    withName('phases', phaseRow(model, phaseSpans, chartWidth, perMs), 'dim'),
    ...model.rows.map((row, index) => withName(names[index] as string, hostRow(row.bars, phaseSpans, perMs, chartWidth))),
  ];
  const phaseItems: Piece[][] = model.phases.map((phase, index) => [
    [phaseChar(index), phase.outcome],
    [` ${shown(phase.name)} ${phaseDuration(phase)}`, 'plain'],
  ]);
  const markItems: Piece[][] = [
    ...(Object.entries(OUTCOME_MARKS) as Array<[Exclude<Outcome, 'ok'>, string]>).map(([outcome, mark]): Piece[] => [
      [`${mark} ${outcome.replace('-', ' ')}`, outcome],
    ]),
    [['no mark: ok', 'ok']],
  ];
  lines.push(...legendLines('phases: ', phaseItems, width), ...legendLines('marks:  ', markItems, width));
  for (const pause of model.pauses) lines.push([[`${PAUSE_CHAR} ${shown(pause.label)}`, 'dim']]);
  if (!model.startsRecorded) lines.push([[UNRECORDED_STARTS, 'dim']]);
  return lines.map((pieces) =>
    fitPieces(pieces, width)
      .map(([text, style]) => paint(style, text))
      .join('')
      .trimEnd(),
  );
}
