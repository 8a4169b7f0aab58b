import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';

/** What the lock and history commands hand to their services. */
export interface AdminOptions {
  configPath?: string;
  defines: string[];
  json?: boolean;
  cwd?: string;
  stdout?: NodeJS.WritableStream;
  systemConfigPath?: string;
}

/** The config for commands that need only its paths (no targets required). */
export function loadAdminConfig(options: AdminOptions): Config {
  return loadConfig({ ...options, requireTargets: false }).config;
}
