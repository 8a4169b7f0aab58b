import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempProject, type TempProject } from '../helpers/cli.js';

let project: TempProject;

beforeEach(async () => {
  project = await makeTempProject();
});

afterEach(async () => {
  await project.cleanup();
});

describe('deploy config', () => {
  it('shows each key with its value and the layer it came from: the project file, -D or default', async () => {
    // Given the project's config file and one -D
    // When deploy config runs
    const result = await project.run(['config', '-D', 'restart_timeout:42']);
    // Then each layer is named next to its keys
    expect(result.exitCode, result.stderr).toBe(0);
    const line = (key: string) => result.stdout.split('\n').find((l) => l.startsWith(`${key} `)) ?? '';
    expect(line('restart_timeout')).toMatch(/42\s+\(-D\)$/);
    expect(line('targets')).toContain(`(${project.configPath})`);
    expect(line('php_fpm_opcache_threshold')).toMatch(/100\s+\(default\)$/);
  });

  it('shows one key with its meaning, and as JSON', async () => {
    // Given restart_concurrency set by -D / When asked for that key, as text and as JSON
    const text = await project.run(['config', 'restart_concurrency', '-D', 'restart_concurrency:25%']);
    const json = await project.run(['config', 'restart_concurrency', '--json', '-D', 'restart_concurrency:25%']);
    // Then the text has the value, the layer and the schema's meaning; the JSON has value and layer
    expect(text.stdout).toContain('"25%"  (-D)');
    expect(text.stdout).toContain('most hosts restarting at once');
    expect(JSON.parse(json.stdout)).toEqual({ restart_concurrency: { value: { value: 25, percent: true }, from: '-D' } });
  });

  it('names an unknown key with a suggestion, exit 2', async () => {
    // Given a typo / When asked / Then a usage error suggests the key
    const result = await project.run(['config', 'restart_timout']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('did you mean restart_timeout?');
  });
});
