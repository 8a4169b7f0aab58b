import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';
import { makeTempDir } from '../helpers/cli.js';

let dir: string;
/** Never the real /etc/scap.config.json. */
let noSystem: string;

beforeEach(async () => {
  dir = await makeTempDir('deploy-config-');
  noSystem = join(dir, 'no-such-system-config.json');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(path: string, data: unknown): Promise<string> {
  const full = join(dir, path);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, typeof data === 'string' ? data : JSON.stringify(data));
  return full;
}

function load(options: LoadConfigOptions = {}) {
  return loadConfig({ cwd: dir, systemConfigPath: noSystem, ...options });
}

/** Run `fn`, expect a UserError (exit status 2), and return its message and hint as one string. */
function userErrorOf(fn: () => unknown): string {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UserError);
  const error = caught as UserError;
  expect(error.exitCode).toBe(2);
  return `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
}

describe('loadConfig: defaults', () => {
  it('gives every key not set its default from the schema', async () => {
    // Given a project config that sets only the targets
    const configPath = await writeJson('scap.config.json', { targets: ['mw01'] });
    // When it is loaded
    const { config, files, explicit } = load();
    // Then each key has the default SPEC.md gives it
    expect(files).toEqual([configPath]);
    expect([...explicit]).toEqual(['targets']);
    expect(config.targets).toEqual(['mw01']);
    expect(config.transport).toBe('ssh');
    expect(config.local_fleet_dir).toBe(join(dir, '.fleet'));
    expect(config.canaries).toEqual([]);
    expect(config.no_restart_targets).toEqual([]);
    expect(config.stage_dir).toBeUndefined();
    expect(config.deploy_dir).toBeUndefined();
    expect(config.ssh_user).toBe(userInfo().username);
    expect(config.ssh_port).toBe(22);
    expect(config.ssh_key).toBeUndefined();
    expect(config.ssh_known_hosts).toBeUndefined();
    expect(config.ssh_proxy_jump).toBeUndefined();
    expect(config.ssh_connect_timeout).toBe(10);
    expect(config.php_fpm_restart_script).toBe('');
    expect(config.php_fpm).toBe('');
    expect(config.php_fpm_opcache_threshold).toBe(100);
    expect(config.always_restart).toBe(false);
    expect(config.restart_sudo_user).toBe('root');
    expect(config.restart_concurrency).toEqual({ value: 10, percent: true });
    expect(config.sync_concurrency).toEqual({ value: 80, percent: false });
    expect(config.restart_timeout).toBe(300);
    expect(config.failure_limit).toEqual({ value: 5, percent: true });
    expect(config.canary_checks).toEqual([]);
    expect(config.canary_wait_time).toBe(20);
    expect(config.canary_check_timeout).toBe(120);
    expect(config.lock_file).toBe('/var/lock/deploy.lock');
  });

  it('reads no file when there is no project config, and takes the default fleet folder from cwd', () => {
    // Given an empty folder and the targets from -D
    // When loaded
    const { config, files } = load({ defines: ['targets:mw01'] });
    // Then no file was read and .fleet is under cwd
    expect(files).toEqual([]);
    expect(config.local_fleet_dir).toBe(join(dir, '.fleet'));
  });
});

describe('loadConfig: layers, later wins', () => {
  it('applies the system file, then the project file, then each -D in order', async () => {
    // Given a system layer, a project layer and two -D for the same key
    const system = await writeJson('etc/scap.config.json', { ssh_port: 2201, php_fpm: 'php7.4-fpm', ssh_user: 'system', targets: ['sys01'] });
    const project = await writeJson('scap.config.json', { ssh_port: 2202, ssh_user: 'project', targets: ['mw01', 'mw02'] });
    // When loaded with -D overrides
    const { config, files, explicit } = load({ systemConfigPath: system, defines: ['ssh_port:2203', 'ssh_port:2204', 'always_restart:yes'] });
    // Then the last layer setting a key wins, and keys set only below survive
    expect(files).toEqual([system, project]);
    expect(config.ssh_port).toBe(2204);
    expect(config.ssh_user).toBe('project');
    expect(config.targets).toEqual(['mw01', 'mw02']);
    expect(config.php_fpm).toBe('php7.4-fpm');
    expect(config.always_restart).toBe(true);
    expect(config.ssh_connect_timeout).toBe(10);
    expect(explicit.has('php_fpm')).toBe(true);
    expect(explicit.has('ssh_connect_timeout')).toBe(false);
  });

  it('uses --config instead of ./scap.config.json, relative to cwd', async () => {
    // Given a project file and another file named by --config
    await writeJson('scap.config.json', { ssh_user: 'project', php_fpm: 'from-project', targets: ['mw01'] });
    const other = await writeJson('conf/other.json', { ssh_user: 'other', targets: ['mw09'] });
    // When loaded with --config
    const { config, files } = load({ configPath: 'conf/other.json' });
    // Then only --config was read: the project file's keys are absent
    expect(files).toEqual([other]);
    expect(config.ssh_user).toBe('other');
    expect(config.targets).toEqual(['mw09']);
    expect(config.php_fpm).toBe('');
  });

  it('layers --config over the system file', async () => {
    // Given a system file and a --config file
    const system = await writeJson('etc/scap.config.json', { php_fpm: 'php8.1-fpm', restart_timeout: 60 });
    await writeJson('other.json', { restart_timeout: 90, targets: ['mw01'] });
    // When loaded
    const { config } = load({ systemConfigPath: system, configPath: 'other.json' });
    // Then both contribute, --config winning
    expect(config.php_fpm).toBe('php8.1-fpm');
    expect(config.restart_timeout).toBe(90);
  });
});

describe('loadConfig: -D coercion', () => {
  const withTargets = (...defines: string[]) => load({ defines: ['targets:mw01,mw02', ...defines] }).config;

  it('coerces integers and seconds', () => {
    // Given -D values for integer and seconds keys / When loaded / Then numbers
    const config = withTargets('ssh_port:2222', 'php_fpm_opcache_threshold:0', 'canary_wait_time:0.5', 'restart_timeout:45');
    expect(config.ssh_port).toBe(2222);
    expect(config.php_fpm_opcache_threshold).toBe(0);
    expect(config.canary_wait_time).toBe(0.5);
    expect(config.restart_timeout).toBe(45);
  });

  it.each(['1', 'yes', 'true', 'on', 'YES', 'True', 'ON', 'oN'])('reads %j as true', (word) => {
    // Given a boolean -D / When loaded / Then true
    expect(withTargets(`always_restart:${word}`).always_restart).toBe(true);
  });

  it.each(['0', 'no', 'false', 'off', 'NO', 'False', 'OFF', 'oFf'])('reads %j as false', async (word) => {
    // Given a project file that sets always_restart, overridden by a boolean -D
    await writeJson('scap.config.json', { always_restart: true, targets: ['mw01'] });
    // When loaded / Then false
    expect(load({ defines: [`always_restart:${word}`] }).config.always_restart).toBe(false);
  });

  it('reads a host list as comma-separated hosts, ports kept, spaces and empties dropped', () => {
    // Given comma-separated hosts with spaces and a port (the first colon splits key from value)
    const config = load({ defines: ['targets: mw01, mw02 ,,mw03:2222', 'canaries:mw01'] }).config;
    // Then the list
    expect(config.targets).toEqual(['mw01', 'mw02', 'mw03:2222']);
    expect(config.canaries).toEqual(['mw01']);
  });

  it('reads a host list from @file relative to cwd', async () => {
    // Given a host file under cwd and a config in another folder
    await writeJson('lists/hosts.txt', '# the fleet\nmw01\n\nmw02  # canary\n');
    await writeJson('conf/scap.json', { targets: ['other01'] });
    // When -D targets:@lists/hosts.txt
    const { config } = load({ configPath: 'conf/scap.json', defines: ['targets:@lists/hosts.txt'] });
    // Then the file's hosts, not the config's
    expect(config.targets).toEqual(['mw01', 'mw02']);
  });

  it('reads restart_concurrency and failure_limit as percentages or integers', () => {
    // Given percentages and integers / When loaded / Then counts
    const percent = withTargets('restart_concurrency:25%', 'failure_limit:10%', 'sync_concurrency:50%');
    expect(percent.restart_concurrency).toEqual({ value: 25, percent: true });
    expect(percent.failure_limit).toEqual({ value: 10, percent: true });
    expect(percent.sync_concurrency).toEqual({ value: 50, percent: true });
    const integers = withTargets('restart_concurrency:3', 'failure_limit:0', 'sync_concurrency:7');
    expect(integers.restart_concurrency).toEqual({ value: 3, percent: false });
    expect(integers.failure_limit).toEqual({ value: 0, percent: false });
    expect(integers.sync_concurrency).toEqual({ value: 7, percent: false });
  });

  it('sets a string key to empty with an empty value', async () => {
    // Given a project file with a restart script and a php_fpm
    await writeJson('scap.config.json', { php_fpm_restart_script: '/usr/local/sbin/restart-php-fpm', php_fpm: 'php7.4-fpm', targets: ['mw01'] });
    // When -D php_fpm_restart_script: (nothing after the colon)
    const { config } = load({ defines: ['php_fpm_restart_script:', 'restart_sudo_user:'] });
    // Then it is empty, and other keys are untouched
    expect(config.php_fpm_restart_script).toBe('');
    expect(config.restart_sudo_user).toBe('');
    expect(config.php_fpm).toBe('php7.4-fpm');
  });

  it('splits -D at the first colon only', () => {
    // Given values that contain colons
    const config = withTargets('canary_checks:curl -sf http://x:80/health', 'php_fpm_restart_script:/opt/restart --url=http://a:1/');
    // Then everything after the first colon is the value
    expect(config.canary_checks).toEqual(['curl -sf http://x:80/health']);
    expect(config.php_fpm_restart_script).toBe('/opt/restart --url=http://a:1/');
  });

  it('reads canary_checks as a JSON array when the value starts with [', () => {
    // Given a JSON array of two commands / When loaded / Then two checks
    expect(withTargets('canary_checks:["true", "curl -sf http://{host}:80/"]').canary_checks).toEqual(['true', 'curl -sf http://{host}:80/']);
  });
});

describe('loadConfig: host files and relative paths', () => {
  it('reads a host list given as a string in the JSON as a host file relative to the config folder', async () => {
    // Given a config in conf/ naming hosts.txt, and a decoy hosts.txt in cwd
    await writeJson('conf/hosts.txt', '# app servers\nmw01\n\n   mw02   \n#mw03\nmw04:2222 # with a port\n');
    await writeJson('conf/canaries.txt', 'mw01\n');
    await writeJson('hosts.txt', 'decoy01\n');
    await writeJson('conf/scap.json', { targets: 'hosts.txt', canaries: 'canaries.txt' });
    // When loaded from cwd = the parent folder
    const { config } = load({ configPath: 'conf/scap.json' });
    // Then the hosts of conf/hosts.txt, comments and blank lines ignored
    expect(config.targets).toEqual(['mw01', 'mw02', 'mw04:2222']);
    expect(config.canaries).toEqual(['mw01']);
  });

  it('resolves stage_dir, lock_file, local_fleet_dir and ssh_key against the config file folder', async () => {
    // Given relative paths in a config under conf/
    await writeJson('conf/scap.json', {
      targets: ['mw01'],
      stage_dir: 'stage',
      lock_file: 'run/deploy.lock',
      local_fleet_dir: '../fleet',
      ssh_key: 'keys/id_ed25519',
    });
    // When loaded from another cwd
    const { config } = load({ configPath: 'conf/scap.json' });
    // Then each is absolute, under conf/
    expect(config.stage_dir).toBe(join(dir, 'conf/stage'));
    expect(config.lock_file).toBe(join(dir, 'conf/run/deploy.lock'));
    expect(config.local_fleet_dir).toBe(join(dir, 'fleet'));
    expect(config.ssh_key).toBe(join(dir, 'conf/keys/id_ed25519'));
  });

  it('takes the default local_fleet_dir from the config file folder', async () => {
    // Given a config under conf/ that does not set local_fleet_dir
    await writeJson('conf/scap.json', { targets: ['mw01'] });
    // When loaded / Then .fleet next to the config, not in cwd
    expect(load({ configPath: 'conf/scap.json' }).config.local_fleet_dir).toBe(join(dir, 'conf/.fleet'));
  });

  it('resolves -D paths against cwd and expands ~', async () => {
    // Given a config under conf/ and path overrides
    await writeJson('conf/scap.json', { targets: ['mw01'], stage_dir: 'stage' });
    // When -D sets paths
    const { config } = load({ configPath: 'conf/scap.json', defines: ['stage_dir:other/stage', 'ssh_known_hosts:~/kh'] });
    // Then relative to cwd, ~ is the home folder
    expect(config.stage_dir).toBe(join(dir, 'other/stage'));
    expect(config.ssh_known_hosts).toBe(join(homedir(), 'kh'));
  });

  it('keeps deploy_dir as written (a path on the hosts)', async () => {
    // Given an absolute deploy_dir / When loaded / Then unchanged
    await writeJson('conf/scap.json', { targets: ['mw01'], deploy_dir: '/srv/mediawiki' });
    expect(load({ configPath: 'conf/scap.json' }).config.deploy_dir).toBe('/srv/mediawiki');
  });

  it('drops repeated hosts, keeping the first place of each', async () => {
    // Given a host listed twice / When loaded / Then once
    await writeJson('scap.config.json', { targets: ['mw02', 'mw01', 'mw02'] });
    expect(load().config.targets).toEqual(['mw02', 'mw01']);
  });
});

describe('loadConfig: usage errors name the key and what was expected', () => {
  it('rejects an unknown key in the file, suggesting the closest', async () => {
    // Given a typo for ssh_port
    const path = await writeJson('scap.config.json', { targets: ['mw01'], sshport: 22 });
    // When loaded / Then the key, the file and the suggestion are named
    const message = userErrorOf(() => load());
    expect(message).toContain('"sshport"');
    expect(message).toContain(path);
    expect(message).toContain('did you mean ssh_port?');
  });

  it('rejects an unknown -D key, suggesting the closest', () => {
    // Given -D with a typo / When loaded / Then named with a suggestion
    const message = userErrorOf(() => load({ defines: ['targets:mw01', 'restart_concurency:5'] }));
    expect(message).toContain('"restart_concurency"');
    expect(message).toContain('did you mean restart_concurrency?');
  });

  it('suggests nothing for a key far from every known key', async () => {
    // Given a key unlike any other
    await writeJson('scap.config.json', { targets: ['mw01'], colour_scheme: 'dark' });
    // When loaded / Then no misleading suggestion
    const message = userErrorOf(() => load());
    expect(message).toContain('"colour_scheme"');
    expect(message).not.toContain('did you mean');
  });

  it.each([
    ['ssh_port', '"22"', 'a port from 1 to 65535'],
    ['ssh_port', '0', 'a port from 1 to 65535'],
    ['ssh_port', '22.5', 'a port from 1 to 65535'],
    ['always_restart', '"yes"', 'a boolean'],
    ['restart_concurrency', '0', 'a percentage'],
    ['restart_concurrency', '"150%"', 'a percentage'],
    ['failure_limit', '"-1"', 'a percentage'],
    ['transport', '"sftp"', '"ssh" or "local"'],
    ['targets', '42', 'a list of hosts'],
    ['canary_checks', '"true"', 'a list of shell commands'],
    ['deploy_dir', '"srv/app"', 'an absolute path'],
    ['php_fpm', '7', 'a string'],
    ['canary_wait_time', '-1', 'seconds'],
  ])('rejects %s: %s in the file', async (key, jsonText, expected) => {
    // Given a value of the wrong type for the key (jsonText is the value as written in the file)
    const path = await writeJson('scap.config.json', `{ "targets": ["mw01"], "${key}": ${jsonText} }`);
    // When loaded / Then the key, what was expected and the file are named
    const message = userErrorOf(() => load());
    expect(message).toContain(`${key}:`);
    expect(message).toContain(expected);
    expect(message).toContain(path);
  });

  it.each([
    ['ssh_port:abc', 'ssh_port', 'a port from 1 to 65535'],
    ['ssh_port:', 'ssh_port', 'a port from 1 to 65535'],
    ['always_restart:abc', 'always_restart', 'a boolean (true/false, yes/no, on/off, 1/0)'],
    ['restart_concurrency:0', 'restart_concurrency', 'a percentage like "10%" (at least 1)'],
    ['restart_concurrency:150%', 'restart_concurrency', 'a percentage'],
    ['failure_limit:abc', 'failure_limit', 'a percentage'],
    ['deploy_dir:srv', 'deploy_dir', 'an absolute path'],
    ['transport:sftp', 'transport', '"ssh" or "local"'],
  ])('rejects -D %s', (define, key, expected) => {
    // Given a -D value of the wrong type / When loaded / Then the key, what was expected and -D are named
    const message = userErrorOf(() => load({ defines: ['targets:mw01', define] }));
    expect(message).toContain(`${key}:`);
    expect(message).toContain(expected);
    expect(message).toContain('-D');
  });

  it('rejects a -D with no colon, naming it', () => {
    // Given -D ssh_port22 / When loaded / Then a usage error naming it and the expected shape
    const message = userErrorOf(() => load({ defines: ['targets:mw01', 'ssh_port22'] }));
    expect(message).toContain('ssh_port22');
    expect(message).toContain('key:value');
  });

  it('rejects malformed JSON, naming the file', async () => {
    // Given a file with a trailing comma
    const path = await writeJson('scap.config.json', '{ "targets": ["mw01"], }\n');
    // When loaded / Then the file is named
    const message = userErrorOf(() => load());
    expect(message).toContain(path);
    expect(message).toContain('not valid JSON');
  });

  it('rejects a file that is JSON but not an object', async () => {
    // Given an array at the top level / When loaded / Then named
    const path = await writeJson('scap.config.json', '["mw01"]');
    const message = userErrorOf(() => load());
    expect(message).toContain(path);
    expect(message).toContain('JSON object');
  });

  it('rejects a --config file that does not exist', () => {
    // Given --config naming nothing / When loaded / Then the path is named
    const message = userErrorOf(() => load({ configPath: 'missing/scap.json' }));
    expect(message).toContain('missing/scap.json');
    expect(message).toContain('no such file');
  });

  it('rejects a host file that does not exist, from the file or from -D', async () => {
    // Given a config naming a missing host file
    await writeJson('conf/scap.json', { targets: 'nope.txt' });
    // When loaded / Then the key and the resolved path are named
    const fromFile = userErrorOf(() => load({ configPath: 'conf/scap.json' }));
    expect(fromFile).toContain('targets:');
    expect(fromFile).toContain(join(dir, 'conf/nope.txt'));
    // And the same from -D, relative to cwd
    const fromDefine = userErrorOf(() => load({ defines: ['targets:mw01', 'canaries:@gone.txt'] }));
    expect(fromDefine).toContain('canaries:');
    expect(fromDefine).toContain(join(dir, 'gone.txt'));
  });

  it('rejects a canary that is not in the targets', async () => {
    // Given a canary outside the targets
    await writeJson('scap.config.json', { targets: ['mw01', 'mw02'], canaries: ['mw01', 'mw99'] });
    // When loaded / Then the key and the stray host are named
    const message = userErrorOf(() => load());
    expect(message).toContain('canaries:');
    expect(message).toContain('mw99');
    expect(message).not.toContain('mw01 not');
  });

  it.each(['mw 01', 'a;b', '-oProxyCommand=x', 'mw01:99999', 'mw01:', '$(reboot)', ''])('rejects the host %j', async (host) => {
    // Given a bad host in the JSON list
    await writeJson('scap.config.json', { targets: ['mw01', host] });
    // When loaded / Then the key and the host are named
    const message = userErrorOf(() => load());
    expect(message).toContain('targets:');
    expect(message).toContain(`"${host}"`);
  });

  it.each(['mw 01', 'a;b'])('rejects the host %j from -D', (host) => {
    // Given a bad host in a -D list / When loaded / Then named
    const message = userErrorOf(() => load({ defines: [`targets:mw01,${host}`] }));
    expect(message).toContain('targets:');
    expect(message).toContain(`"${host}"`);
  });

  it('rejects a config with no targets', async () => {
    // Given a config without targets, and one with an empty host file
    await writeJson('scap.config.json', { canaries: [] });
    // When loaded / Then targets is named
    expect(userErrorOf(() => load())).toContain('targets');
    await writeJson('empty.txt', '# nobody yet\n\n');
    expect(userErrorOf(() => load({ defines: ['targets:@empty.txt'] }))).toContain('targets');
  });
});

describe('local_fleet_dir default', () => {
  it('is taken from the project config folder, never from the system config folder', async () => {
    // Given only a system config (no project file), in another folder than cwd
    const systemDir = await makeTempDir('deploy-system-');
    const cwd = await makeTempDir('deploy-cwd-');
    try {
      await writeFile(join(systemDir, 'scap.config.json'), JSON.stringify({ targets: ['a'] }));
      // When the config loads
      const { config } = loadConfig({ cwd, systemConfigPath: join(systemDir, 'scap.config.json') });
      // Then the default .fleet is under the current folder
      expect(config.local_fleet_dir).toBe(join(cwd, '.fleet'));
    } finally {
      await rm(systemDir, { recursive: true, force: true });
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('loadConfig: values that used to pass validation and fail later (issue: faults)', () => {
  it.each([
    ['ssh_port:65536', 'ssh_port', 'a port from 1 to 65535'],
    ['statsd_host:localhost:70000', 'statsd_host', 'port 1-65535'],
    ['restart_timeout:2147484', 'restart_timeout', 'from 0 to 2147483'],
    ['canary_check_timeout:99999999', 'canary_check_timeout', 'from 0 to 2147483'],
  ])('rejects -D %s as a usage error', (define, key, expected) => {
    // Given a value out of range / When loaded / Then a usage error names the key and the range
    const message = userErrorOf(() => load({ defines: ['targets:mw01', define] }));
    expect(message).toContain(`${key}: expected`);
    expect(message).toContain(expected);
  });

  it('takes failure_limit "0%" like 0: no failure tolerated', () => {
    // Given failure_limit 0% / When loaded / Then it is a zero percentage
    expect(load({ defines: ['targets:mw01', 'failure_limit:0%'] }).config.failure_limit).toEqual({ value: 0, percent: true });
  });

  it('takes a JSON array after the colon for any list key, so items may hold commas', () => {
    // Given a pattern with a comma and a host list as JSON / When loaded
    const { config } = load({ defines: ['targets:["mw01","mw02:2222"]', 'redact_patterns:["token=[^,]+","secret"]'] });
    // Then both lists are exactly the arrays given
    expect(config.targets).toEqual(['mw01', 'mw02:2222']);
    expect(config.redact_patterns).toEqual(['token=[^,]+', 'secret']);
  });

  it('refuses a comma in a plain -D value of every list key but host lists, naming the key and the JSON form', () => {
    // Given comma-separated items for lists whose items could hold a comma (regexes, commands, URLs)
    for (const [key, value] of [
      ['redact_patterns', 'tok_[a-z]+,pw_[a-z]+'],
      ['canary_checks', 'check a,check b'],
      ['etcd_endpoints', 'http://a:2379,http://b:2379'],
    ] as const) {
      // When loaded / Then a usage error names the key and shows both JSON arrays
      const message = userErrorOf(() => load({ defines: ['targets:mw01', `${key}:${value}`] }));
      expect(message).toContain(`-D ${key}:${value}: a comma is ambiguous`);
      expect(message).toContain(`-D '${key}:${JSON.stringify(value.split(','))}'`);
      expect(message).toContain(`-D '${key}:${JSON.stringify([value])}'`);
    }
    // And host lists still split at commas, and one item without a comma is still one item
    const { config } = load({ defines: ['targets:mw01,mw02', 'redact_patterns:tok_[a-z]+'] });
    expect(config.targets).toEqual(['mw01', 'mw02']);
    expect(config.redact_patterns).toEqual(['tok_[a-z]+']);
  });

  it("quotes the key's meaning in the hint of a bad value", () => {
    // Given a bad restart_concurrency / When loaded / Then the hint is the schema's meaning
    const message = userErrorOf(() => load({ defines: ['targets:mw01', 'restart_concurrency:none'] }));
    expect(message).toContain('restart_concurrency: most hosts restarting at once');
  });
});
