import type { Config } from '../../config/schema.js';
import type { LoadedConfig } from '../../config/load.js';
import type { Transport } from '../../transport/types.js';
import { resolveConcurrency } from '../plan/limits.js';
import type { DeployOptions } from '../prepare/deploy-options.js';
import { createTransport } from '../prepare/create-transport.js';

/**
 * The hosts a run touches first: its first window of canaries (or of targets, without
 * canaries), at the larger of the two concurrencies. A guess made before the plan: a host
 * guessed wrong is only connected a little early.
 */
export function firstHosts(config: Pick<Config, 'canaries' | 'targets' | 'sync_concurrency' | 'restart_concurrency'>): string[] {
  const first = config.canaries.length > 0 ? config.canaries : config.targets;
  const window = Math.max(resolveConcurrency(config.sync_concurrency, first.length), resolveConcurrency(config.restart_concurrency, first.length));
  return first.slice(0, window);
}

/**
 * The run's transport, opened while the run still reads its stage and makes its plan, with its
 * first hosts connecting meanwhile (Transport.warm: nothing runs on them), so that the first
 * host starts on an open connection. Usage errors in the key or ssh config reject as before.
 */
export async function openTransport(loaded: LoadedConfig, options: Pick<DeployOptions, 'transport'>): Promise<Transport> {
  const transport = options.transport ?? (await createTransport(loaded));
  transport.warm?.(firstHosts(loaded.config));
  return transport;
}
