/**
 * Why a host's ssh_config could not be resolved. `SshConfigError` is what `ssh` itself would
 * refuse (a bad line, an unreadable include); `NeedsOpenSsh` means the config uses something
 * deploy's own reader does not evaluate (`Match exec`, canonicalization, a keyword it does not
 * know), so OpenSSH's `ssh -G` must decide.
 */
export class SshConfigError extends Error {
  override readonly name = 'SshConfigError';
}

export class NeedsOpenSsh extends Error {
  override readonly name = 'NeedsOpenSsh';
}

/** `file line N: message`, the way ssh names a config line. */
export function atLine(where: { file: string; line: number }, message: string): string {
  return `${where.file} line ${where.line}: ${message}`;
}
