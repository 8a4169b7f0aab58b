/** Figure 3: start-up, the median wall time of `node bin/run.js --help`. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cliEnv, median, timed, type Row } from './table.js';

export async function startupFigure(runs: number, log: (line: string) => void): Promise<Row[]> {
  const state = mkdtempSync(join(tmpdir(), 'deploy-bench-startup-'));
  try {
    const env = cliEnv(state);
    // Warm the page cache first: the figure is a warm start, as a deployer's second run.
    for (let i = 0; i < 2; i++) await timed(process.execPath, [BIN, '--help'], { env });
    await timed(process.execPath, ['-e', '0'], { env });
    const help: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Interleaved, so that noise from other work on the machine hits both alike.
      const run = await timed(process.execPath, [BIN, '--help'], { env });
      if (run.code !== 0 || !run.stdout.includes('USAGE')) throw new Error(`deploy --help failed (exit ${run.code}): ${run.stderr.slice(-500)}`);
      help.push(run.wallMs);
      bare.push((await timed(process.execPath, ['-e', '0'], { env })).wallMs);
    }
    const helpMs = median(help);
    const bareMs = median(bare);
    log(`startup: --help ${help.map((ms) => ms.toFixed(0)).join(' ')} ms; node -e 0 ${bare.map((ms) => ms.toFixed(0)).join(' ')} ms`);
    return [
      {
        figure: `3  start-up: median of ${runs} \`node bin/run.js --help\``,
        measured: `${helpMs.toFixed(0)} ms`,
        reference: `bare \`node -e 0\` ${bareMs.toFixed(0)} ms`,
        ratio: '< 300 ms',
        verdict: helpMs < 300 ? 'pass' : 'MISS',
      },
    ];
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}
