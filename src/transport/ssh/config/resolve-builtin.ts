import { type Collected, emptyCollected, setJump } from './apply-keyword.js';
import { NeedsOpenSsh, SshConfigError } from './errors.js';
import { type ConfigFileCache, type ConfigSource, evaluateConfig } from './evaluate.js';
import { formatJumpHop, parseJumpList } from './jump-spec.js';
import {
  DEFAULT_GLOBAL_KNOWN_HOSTS,
  DEFAULT_IDENTITY_FILES,
  DEFAULT_USER_KNOWN_HOSTS,
  type LocalFacts,
  type ResolvedHost,
  connectionInfo,
  isAddress,
} from './resolved-host.js';
import { expandPath, expandTilde, expandTokens } from './tokens.js';

/** What `ssh` is given on its command line: the host, and `-l`, `-p`, `-J`. */
export interface ResolveRequest {
  host: string;
  user?: string;
  port?: number;
  /** A ProxyJump list or `none`; like `-J`, it wins over ssh_config's ProxyJump and ProxyCommand. */
  proxyJump?: string;
}

export interface BuiltinEnvironment extends LocalFacts {
  /** The config files in the order ssh reads them. */
  sources: readonly ConfigSource[];
  env: NodeJS.ProcessEnv;
  /** Parsed files, shared by every host of a run. */
  files?: ConfigFileCache;
}

/**
 * Resolve a host with deploy's own ssh_config reader, following ssh.c's main(): command-line
 * settings first, then the config files, then HostName's %h, lower-casing, ssh's defaults and
 * the expansion of ~, %tokens and ${VAR}. Throws NeedsOpenSsh for what only `ssh -G` can decide,
 * SshConfigError for what ssh itself would refuse.
 */
export function resolveBuiltin(request: ResolveRequest, environment: BuiltinEnvironment): ResolvedHost {
  const state = emptyCollected();
  if (request.user !== undefined) state.user = request.user;
  if (request.port !== undefined) state.port = request.port;
  if (request.proxyJump !== undefined) presetJump(state, request.proxyJump);
  evaluateConfig(environment.sources, state, {
    originalHost: request.host,
    localUser: environment.localUser,
    home: environment.home,
    uid: environment.uid,
    ...(environment.files !== undefined ? { cache: environment.files } : {}),
  });
  if (state.canonicalizeHostname !== undefined && state.canonicalizeHostname !== 'no') {
    throw new NeedsOpenSsh(`CanonicalizeHostname ${state.canonicalizeHostname}`);
  }
  if (state.canonicalizePermittedCnames !== undefined && state.canonicalizePermittedCnames.toLowerCase() !== 'none') {
    throw new NeedsOpenSsh('CanonicalizePermittedCNAMEs');
  }
  let hostName = state.hostName !== undefined ? expandTokens(state.hostName, { h: request.host }) : request.host;
  if (!isAddress(hostName)) hostName = hostName.toLowerCase();
  const user = state.user ?? environment.localUser;
  const port = state.port ?? 22;
  const hostKeyAlias = state.hostKeyAlias?.toLowerCase();
  const base = { alias: request.host, hostName, port, user, ...(hostKeyAlias !== undefined ? { hostKeyAlias } : {}) };
  const info = connectionInfo(base, environment);
  const expand = (path: string): string => expandPath(path, info, environment.env);

  const resolved: ResolvedHost = {
    ...base,
    identityFiles: identityFileList(state).map(expand),
    identitiesOnly: state.identitiesOnly ?? false,
    userKnownHostsFiles: knownHostsList(state.userKnownHostsFiles, DEFAULT_USER_KNOWN_HOSTS).map(expand),
    globalKnownHostsFiles: knownHostsList(state.globalKnownHostsFiles, DEFAULT_GLOBAL_KNOWN_HOSTS).map((path) => expandTilde(path, environment.home)),
    certificateFiles: state.certificateFiles.map((entry) => expand(entry.path)),
    unsupported: state.proxyUseFdpass === true ? ['ProxyUseFdpass yes'] : [],
    unusableAuth: [],
    resolvedBy: 'deploy',
  };
  if (state.identityAgent !== undefined) resolved.identityAgent = expand(state.identityAgent);
  if (state.proxyJump !== undefined && state.proxyJump !== 'none') {
    resolved.proxyJump = jumpHops(state.proxyJump, resolved);
  } else if (state.proxyCommand !== undefined && state.proxyCommand.toLowerCase() !== 'none') {
    resolved.proxyCommand = state.proxyCommand;
  }
  if (state.knownHostsCommand !== undefined && state.knownHostsCommand.toLowerCase() !== 'none') {
    resolved.knownHostsCommand = state.knownHostsCommand;
  }
  if (state.pkcs11Provider !== undefined && state.pkcs11Provider.toLowerCase() !== 'none') {
    resolved.unusableAuth.push(`PKCS11Provider ${state.pkcs11Provider}`);
  }
  return resolved;
}

/** `-o ProxyJump=` semantics: a jump list (or none) set before any config line is read. */
function presetJump(state: Collected, value: string): void {
  if (parseJumpList(value) === undefined) throw new SshConfigError(`invalid ProxyJump "${value}"`);
  setJump(state, value.trim(), true);
}

function identityFileList(state: Collected): string[] {
  const listed = state.identityFiles.map((entry) => entry.path);
  const files = listed.length > 0 ? listed : [...DEFAULT_IDENTITY_FILES];
  return files.filter((file) => file.toLowerCase() !== 'none');
}

function knownHostsList(files: readonly string[] | undefined, defaults: readonly string[]): string[] {
  if (files === undefined || files.length === 0) return [...defaults];
  if (files.length === 1 && files[0]!.toLowerCase() === 'none') return [];
  return [...files];
}

function jumpHops(value: string, target: Pick<ResolvedHost, 'hostName' | 'port' | 'user'>): ResolvedHost['proxyJump'] {
  const hops = parseJumpList(value) ?? [];
  const last = hops[hops.length - 1];
  if (last !== undefined && last.host === target.hostName && (last.port ?? 22) === target.port && (last.user ?? target.user) === target.user) {
    throw new SshConfigError(`jumphost loop via ${formatJumpHop(last)}`);
  }
  return hops;
}
