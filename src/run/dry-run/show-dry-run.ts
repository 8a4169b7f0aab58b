import type { PreparedRun } from '../prepare/prepare-run.js';
import { lockBackend } from '../../state/configured-lock.js';
import { dryRunJson, dryRunLines } from './dry-run.js';

/** --dry-run: the plan, as lines (on the human stream) or JSON (on stdout). Touches nothing. */
export function showDryRun(prepared: PreparedRun, transport: string, json: boolean, stdout: NodeJS.WritableStream, human: NodeJS.WritableStream): number {
  const { plan, file, restore } = prepared;
  const context = { plan, ...(file ? { file } : {}), ...(restore ? { restore } : {}), transport, lock: lockBackend(prepared.loaded.config).describe() };
  if (json) stdout.write(`${JSON.stringify(dryRunJson(context), null, 2)}\n`);
  else for (const line of dryRunLines(context)) human.write(`${line}\n`);
  return 0;
}
