/** The one results table, and small helpers shared by the figures. */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/bench/table.js once built). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export type Verdict = 'pass' | 'MISS' | 'info' | 'skipped';

export interface Row {
  figure: string;
  measured: string;
  reference: string;
  /** "1.012 (<= 1.03)" or a target alone. */
  ratio: string;
  verdict: Verdict;
}

export function renderTable(rows: readonly Row[]): string {
  const header: Row = { figure: 'figure', measured: 'measured', reference: 'reference', ratio: 'ratio / target', verdict: 'pass/miss' as Verdict };
  const all = [header, ...rows];
  const keys = ['figure', 'measured', 'reference', 'ratio', 'verdict'] as const;
  const widths = keys.map((key) => Math.max(...all.map((row) => row[key].length)));
  const line = (row: Row): string => `| ${keys.map((key, i) => row[key].padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function machineLine(): string {
  const list = cpus();
  const model = list[0]?.model.trim().replace(/\s+/g, ' ') ?? 'unknown CPU';
  return `machine: ${list.length} cores (${model}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, ${process.platform} ${process.arch}`;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (value: number, digits = 3): string => value.toFixed(digits);

export interface Timed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs a command to its end (or kills it after timeoutMs) and times it, wall clock. */
export function timed(cmd: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** Environment for the CLI: no terminal behaviour, history kept out of the user's files. */
export function cliEnv(stateDir: string): NodeJS.ProcessEnv {
  return { ...process.env, CI: '1', NO_COLOR: '1', XDG_STATE_HOME: stateDir };
}
