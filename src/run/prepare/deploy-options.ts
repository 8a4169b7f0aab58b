import type { Transport } from '../../transport/types.js';
import type { CanaryFailureAction } from '../plan/types.js';

/** What the deployer answers when canary checks fail. */
export type CanaryFailureAnswer = 'retry' | 'ignore' | 'rollback' | 'abort';

/**
 * Asks the deployer what to do about failed canary checks (or, with `stage`, that stage's
 * checks); resolves with the answer (the default on a bare Enter). Rejects when `signal`
 * aborts (an interrupt during the question).
 */
export type CanaryFailureAsker = (defaultAnswer: CanaryFailureAction, signal: AbortSignal, stage?: string) => Promise<CanaryFailureAnswer>;

/** What a command hands to its step: plain data, no flags. */
export interface DeployOptions {
  /** Free text naming the deploy in logs. */
  message: string;
  configPath?: string;
  /** Each `-D key:value`, in order. */
  defines: string[];
  force: boolean;
  json: boolean;
  dryRun: boolean;
  /** Continue the last interrupted or aborted run of the same command and arguments. */
  resume?: boolean;
  /** `--pause-after <stage>`: pause after that stage (`canaries`, or a stage's name) until `deploy promote`. */
  pauseAfter?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where the answer to the failed-canary question is read (a terminal only). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Asks what to do about failed canary checks, in place of the terminal prompt (tests); only asked on a terminal. */
  askOnCanaryFailure?: CanaryFailureAsker;
  /** The system config layer; tests point it elsewhere. */
  systemConfigPath?: string;
  /** Use this transport instead of the configured one (tests: the fake fleet). */
  transport?: Transport;
  /** Where SIGINT/SIGTERM come from (tests: an EventEmitter). */
  signals?: NodeJS.EventEmitter;
}
