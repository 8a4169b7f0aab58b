import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { closestKey } from './suggest.js';
import { checkStages } from './stages-kind.js';
import { CONFIG_KEYS, SCHEMA, defaultValue, isConfigKey, type Config, type ConfigKey } from './schema.js';

export const SYSTEM_CONFIG_PATH = '/etc/scap.config.json';
export const PROJECT_CONFIG_NAME = 'scap.config.json';

export interface LoadConfigOptions {
  /** `--config`: must exist. Without it, `./scap.config.json` is read if present. */
  configPath?: string;
  /** Each `-D key:value`, in order. */
  defines?: readonly string[];
  cwd?: string;
  /** The system layer; tests point it elsewhere. */
  systemConfigPath?: string;
  /** Check targets and canaries (deploy commands); `deploy lock`/`history` need only paths. */
  requireTargets?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** The files read, in layer order. */
  files: string[];
  /** The project layer: --config or ./scap.config.json, when there was one. */
  projectFile?: string;
  /** Keys some layer set explicitly (the SSH transport lets these win over ~/.ssh/config). */
  explicit: Set<ConfigKey>;
  /** Where each explicitly set key's value came from: a file's path, or `-D`. */
  origins: Map<ConfigKey, string>;
}

type Setter = (config: Config) => void;
/** One key set by one layer: the key, how to apply it, and the layer's name. */
type Layer = [ConfigKey, Setter, string];

function unknownKey(name: string, origin: string): UserError {
  const near = closestKey(name, CONFIG_KEYS);
  return new UserError(`unknown config key "${name}" (${origin})`, near ? `did you mean ${near}?` : 'see the keys in the README');
}

function readLayer(path: string): Layer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`cannot read config file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new UserError(`${path}: expected a JSON object of config keys`);
  }
  const baseDir = dirname(path);
  return Object.entries(data).map(([name, value]) => {
    if (!isConfigKey(name)) throw unknownKey(name, `in ${path}`);
    const source = { key: name, baseDir, origin: `in ${path}`, meaning: SCHEMA[name].meaning };
    const parsed = SCHEMA[name].kind.fromJson(value, source);
    return [name, (config: Config) => Object.assign(config, { [name]: parsed }), path];
  });
}

function readDefine(define: string, cwd: string): Layer {
  const colon = define.indexOf(':');
  if (colon < 0) throw new UserError(`-D ${define}: expected key:value (split at the first ":")`);
  const name = define.slice(0, colon).trim();
  if (!isConfigKey(name)) throw unknownKey(name, `in -D ${define}`);
  const source = { key: name, baseDir: cwd, origin: `from -D`, meaning: SCHEMA[name].meaning };
  const parsed = SCHEMA[name].kind.fromDefine(define.slice(colon + 1), source);
  return [name, (config: Config) => Object.assign(config, { [name]: parsed }), '-D'];
}

function checkConsistency(config: Config): void {
  if (config.targets.length === 0) {
    throw new UserError('targets: no hosts to deploy to', 'set targets to a list of hosts or a host file');
  }
  const targets = new Set(config.targets);
  const stray = config.canaries.filter((host) => !targets.has(host));
  if (stray.length > 0) {
    throw new UserError(`canaries: ${stray.join(', ')} not in targets`, 'every canary must also be listed in targets');
  }
  checkStages(config.stages, config.targets, config.canaries);
}

/** Layers, later wins: /etc/scap.config.json, ./scap.config.json or --config, then each -D. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const files: string[] = [];
  let projectFile: string | undefined;
  const layers: Layer[] = [];
  const systemPath = options.systemConfigPath ?? SYSTEM_CONFIG_PATH;
  if (existsSync(systemPath)) {
    files.push(systemPath);
    layers.push(...readLayer(systemPath));
  }
  if (options.configPath !== undefined) {
    const path = resolve(cwd, options.configPath);
    if (!existsSync(path)) throw new UserError(`--config ${options.configPath}: no such file`);
    projectFile = path;
    files.push(path);
    layers.push(...readLayer(path));
  } else if (existsSync(resolve(cwd, PROJECT_CONFIG_NAME))) {
    const path = resolve(cwd, PROJECT_CONFIG_NAME);
    projectFile = path;
    files.push(path);
    layers.push(...readLayer(path));
  }
  for (const define of options.defines ?? []) layers.push(readDefine(define, cwd));

  const config = Object.fromEntries(CONFIG_KEYS.map((name) => [name, defaultValue(name)])) as Config;
  const origins = new Map<ConfigKey, string>();
  for (const [name, set, origin] of layers) {
    set(config);
    origins.set(name, origin);
  }
  const explicit = new Set(origins.keys());
  // Relative defaults are taken from the folder of the project config (or cwd).
  if (!explicit.has('local_fleet_dir')) {
    config.local_fleet_dir = resolve(projectFile !== undefined ? dirname(projectFile) : cwd, config.local_fleet_dir);
  }
  if ((options.requireTargets ?? true) && files.length === 0 && !origins.has('targets')) {
    throw new UserError(
      `no config file: neither ${systemPath} nor ${resolve(cwd, PROJECT_CONFIG_NAME)} exists`,
      'write one, point --config at one (try -c scap.config.example.json in this repository), or set targets with -D',
    );
  }
  if (options.requireTargets ?? true) checkConsistency(config);
  return { config, files, ...(projectFile !== undefined ? { projectFile } : {}), explicit, origins };
}
