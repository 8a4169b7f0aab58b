import { constants, existsSync, readFileSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { split } from 'shlex';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { CONFIG_KEYS, SCHEMA } from '../../src/config/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const examplePath = join(root, 'scap.config.example.json');
const load = () => loadConfig({ configPath: examplePath, cwd: root, systemConfigPath: join(root, 'no-such-dir', 'scap.config.json') });

describe('scap.config.example.json', () => {
  it('loads with the local transport, 12 targets, 2 canaries among them and 1 no-restart target', () => {
    // Given the example config shipped with the project
    // When it is loaded like `deploy -c scap.config.example.json`
    const { config, files } = load();
    // Then it is the local demo fleet SPEC.md promises
    expect(files).toEqual([examplePath]);
    expect(config.transport).toBe('local');
    expect(config.targets).toHaveLength(12);
    expect(new Set(config.targets).size).toBe(12);
    expect(config.canaries).toHaveLength(2);
    for (const canary of config.canaries) expect(config.targets).toContain(canary);
    expect(config.no_restart_targets).toHaveLength(1);
    expect(config.targets).toContain(config.no_restart_targets[0]);
    expect(config.canaries).not.toContain(config.no_restart_targets[0]);
  });

  it('sets only keys the schema knows', () => {
    // Given the keys written in the example file
    const written = Object.keys(JSON.parse(readFileSync(examplePath, 'utf8')) as object);
    // When compared with the schema / Then none is unknown (the example cannot drift from the schema)
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((key) => !Object.hasOwn(SCHEMA, key))).toEqual([]);
    for (const key of written) expect(CONFIG_KEYS).toContain(key);
  });

  it('names a restart script that exists and is executable from each host folder', async () => {
    // Given the loaded example: the local transport runs the script with local_fleet_dir/<host> as cwd
    const { config } = load();
    const [script] = split(config.php_fpm_restart_script);
    expect(script).toBeDefined();
    for (const host of config.targets) {
      // When the script's path is resolved from that host's folder
      const path = resolve(config.local_fleet_dir, host, script as string);
      // Then it is an executable file
      expect(existsSync(path), `${path} (from host ${host})`).toBe(true);
      expect(statSync(path).isFile()).toBe(true);
      await expect(access(path, constants.X_OK)).resolves.toBeUndefined();
    }
  });

  it('keeps its paths inside the project: stage_dir exists, the fleet is .fleet, the lock sits in a folder every clone has', () => {
    // Given the loaded example / When its paths are read / Then they point into the project
    const { config } = load();
    expect(config.stage_dir).toBe(join(root, 'examples/stage'));
    expect(statSync(config.stage_dir as string).isDirectory()).toBe(true);
    expect(config.local_fleet_dir).toBe(join(root, '.fleet'));
    // (the config's own folder: a lock under .fleet failed every fresh clone, as .fleet is made by a run)
    expect(dirname(config.lock_file)).toBe(dirname(examplePath));
    expect(config.deploy_dir?.startsWith('/')).toBe(true);
  });

  it('names canary check scripts that exist relative to the config folder', () => {
    // Given the checks (they run on this machine from the config file's folder)
    const { config } = load();
    expect(config.canary_checks.length).toBeGreaterThan(0);
    for (const check of config.canary_checks) {
      // When a check runs a script through sh / Then that script exists
      if (typeof check !== 'string') continue;
      const words = split(check);
      const script = words[0] === 'sh' ? words[1] : words[0];
      if (script?.includes('/')) expect(existsSync(resolve(dirname(examplePath), script)), script).toBe(true);
    }
  });
});
