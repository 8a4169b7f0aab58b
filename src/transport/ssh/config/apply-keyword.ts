import { isPort } from '../../../lib/host-port.js';
import { matchPatternList } from '../host-pattern.js';
import { NeedsOpenSsh, SshConfigError, atLine } from './errors.js';
import { parseJumpList } from './jump-spec.js';
import { KNOWN_KEYWORDS } from './keywords.js';
import type { ConfigLine } from './lines.js';

/**
 * The settings deploy reads from ssh_config, as OpenSSH collects them: for most keywords the
 * first value obtained wins; IdentityFile and CertificateFile accumulate; a known-hosts file
 * list is taken whole from the first line that sets it.
 */
export interface Collected {
  hostName?: string;
  port?: number;
  user?: string;
  identityFiles: ConfigFileEntry[];
  certificateFiles: ConfigFileEntry[];
  identitiesOnly?: boolean;
  identityAgent?: string;
  /** Raw ProxyCommand; `none` when a ProxyJump came first. */
  proxyCommand?: string;
  /** Raw ProxyJump value, or `none`. */
  proxyJump?: string;
  userKnownHostsFiles?: string[];
  globalKnownHostsFiles?: string[];
  hostKeyAlias?: string;
  canonicalizeHostname?: string;
  canonicalizePermittedCnames?: string;
  ignoreUnknown?: string;
  proxyUseFdpass?: boolean;
  knownHostsCommand?: string;
  pkcs11Provider?: string;
}

export interface ConfigFileEntry {
  path: string;
  /** From the user's config (ssh dedupes per origin). */
  userProvided: boolean;
}

export function emptyCollected(): Collected {
  return { identityFiles: [], certificateFiles: [] };
}

const FLAGS: Record<string, boolean> = { yes: true, true: true, no: false, false: false };

/** The one argument of a single-valued keyword; ssh refuses extra words. */
function single(line: ConfigLine): string {
  const [value, ...extra] = line.args;
  if (value === undefined || value === '') throw new SshConfigError(atLine(line, 'Missing argument.'));
  if (extra.length > 0) throw new SshConfigError(atLine(line, `keyword ${line.keyword} extra arguments at end of line`));
  return value;
}

/** The raw text after the keyword, as ProxyCommand and ProxyJump take it. */
function command(line: ConfigLine): string {
  return line.rest.replace(/^[ \t\r\n=]+/, '');
}

function addFile(list: ConfigFileEntry[], path: string, userProvided: boolean): void {
  if (!list.some((entry) => entry.path === path && entry.userProvided === userProvided)) list.push({ path, userProvided });
}

/** The file list of UserKnownHostsFile / GlobalKnownHostsFile, or undefined to keep the current one. */
function fileList(line: ConfigLine, current: string[] | undefined, active: boolean): string[] | undefined {
  line.args.forEach((arg, index) => {
    if (arg === '') throw new SshConfigError(atLine(line, `keyword ${line.keyword} empty argument`));
    if (arg.toLowerCase() === 'none' && (index > 0 || line.args.length > 1)) {
      throw new SshConfigError(atLine(line, `keyword ${line.keyword} "none" argument must appear alone.`));
    }
  });
  return active && current === undefined ? [...line.args] : current;
}

/**
 * Apply one line (not Host, Match or Include) to `state`. Syntax is checked whether or not the
 * line is `active`, as ssh does; values are only taken from active lines.
 */
export function applyKeyword(line: ConfigLine, state: Collected, active: boolean, userConf: boolean): void {
  const setOnce = <K extends keyof Collected>(key: K, value: Collected[K]): void => {
    if (active && state[key] === undefined) state[key] = value;
  };
  switch (line.keyword) {
    case 'hostname':
      return setOnce('hostName', single(line));
    case 'user':
      return setOnce('user', single(line));
    case 'hostkeyalias':
      return setOnce('hostKeyAlias', single(line));
    case 'port': {
      const value = single(line);
      const port = Number(value);
      if (!/^\d+$/.test(value)) throw new NeedsOpenSsh(atLine(line, `Port "${value}" (a service name)`));
      if (!isPort(port)) throw new SshConfigError(atLine(line, `Bad port '${value}'.`));
      return setOnce('port', port);
    }
    case 'identityfile':
    case 'certificatefile': {
      const value = single(line);
      if (active) addFile(line.keyword === 'identityfile' ? state.identityFiles : state.certificateFiles, value, userConf);
      return;
    }
    case 'identitiesonly':
    case 'proxyusefdpass': {
      const flag = FLAGS[single(line).toLowerCase()];
      if (flag === undefined) throw new SshConfigError(atLine(line, `unsupported option "${line.args[0]}".`));
      return setOnce(line.keyword === 'identitiesonly' ? 'identitiesOnly' : 'proxyUseFdpass', flag);
    }
    case 'identityagent': {
      const value = single(line);
      if (value.startsWith('$') && !value.startsWith('${') && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(value.slice(1))) {
        throw new SshConfigError(atLine(line, `Invalid environment name ${value}.`));
      }
      return setOnce('identityAgent', value);
    }
    case 'proxycommand':
      return setOnce('proxyCommand', command(line));
    case 'proxyjump':
      return applyProxyJump(line, state, active);
    case 'userknownhostsfile':
      state.userKnownHostsFiles = fileList(line, state.userKnownHostsFiles, active);
      return;
    case 'globalknownhostsfile':
      state.globalKnownHostsFiles = fileList(line, state.globalKnownHostsFiles, active);
      return;
    case 'canonicalizehostname':
      return setOnce('canonicalizeHostname', single(line).toLowerCase());
    case 'canonicalizepermittedcnames':
      return setOnce('canonicalizePermittedCnames', line.args.join(' '));
    case 'ignoreunknown':
      return setOnce('ignoreUnknown', single(line));
    case 'knownhostscommand':
      return setOnce('knownHostsCommand', command(line));
    case 'pkcs11provider':
      return setOnce('pkcs11Provider', single(line));
    default:
      if (KNOWN_KEYWORDS.has(line.keyword)) return;
      if (state.ignoreUnknown !== undefined && matchPatternList(line.keyword, state.ignoreUnknown, true) === 1) return;
      throw new NeedsOpenSsh(atLine(line, `keyword "${line.keyword}" unknown to deploy's own reader`));
  }
}

/** ProxyJump, as OpenSSH's parse_jump (9.2 as Debian ships it, and 10.x) does it. */
function applyProxyJump(line: ConfigLine, state: Collected, active: boolean): void {
  const value = command(line);
  if (value === '') throw new SshConfigError(atLine(line, 'Missing argument.'));
  if (parseJumpList(value) === undefined) throw new SshConfigError(atLine(line, `Invalid ProxyJump "${value}"`));
  setJump(state, value, active);
}

/**
 * `none` only turns off later ProxyJump lines (a ProxyCommand still applies); a jump list
 * counts when neither a ProxyCommand nor a ProxyJump came first, and turns ProxyCommand off.
 */
export function setJump(state: Collected, value: string, active: boolean): void {
  if (value.toLowerCase() === 'none') {
    if (active && state.proxyJump === undefined) state.proxyJump = 'none';
    return;
  }
  if (!active || state.proxyCommand !== undefined || state.proxyJump !== undefined) return;
  state.proxyJump = value.replace(/#.*$/, '').trim();
  state.proxyCommand = 'none';
}
