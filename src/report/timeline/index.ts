import type { ChalkInstance } from 'chalk';
import { timelineModel, type RecordedRun } from './model.js';
import { timelineSvg } from './svg.js';
import { timelineLines } from './text.js';

export interface RenderTimelineOptions {
  /** `text`: lines for a terminal or a pipe; `svg`: a standalone SVG document. */
  format: 'text' | 'svg';
  /** Text only: columns to fit in; 0 or unset: 80. */
  width?: number;
  /** Text only: colour by outcome (true, or a chalk instance); false or unset: plain characters. */
  color?: boolean | ChalkInstance;
}

/**
 * `deploy history <id> --timeline` / `--svg <file>`: a recorded run drawn on one time axis,
 * as text (newline-terminated lines) or as an SVG document. Pure: the caller writes it out.
 */
export function renderTimeline(run: RecordedRun, options: RenderTimelineOptions): string {
  const model = timelineModel(run);
  if (options.format === 'svg') return timelineSvg(model);
  const lines = timelineLines(model, {
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.color !== undefined ? { color: options.color } : {}),
  });
  return `${lines.join('\n')}\n`;
}
