import { checkHostFolder, hostCommand } from './host-script.js';

/**
 * Rollback of an in-place tree run. The run's rsync kept, on the host, every file it replaced
 * or removed (`--backup --backup-dir=<deploy_dir>/.deploy/backups/<run id>/<path>`), and the run
 * wrote a manifest on the host first (restoreManifest below) saying what it left behind.
 * restore verifies, touching nothing, that the tree is still what the run left; then puts the
 * kept files back together (a host-local `rsync --delay-updates` from the backup folder) and
 * removes what the run added.
 *
 * Manifest: text, one record a line, the first line `deploy-restore-manifest 1`:
 *   W <sha256> <path>      a regular file the run wrote over an existing one (kept in the backup)
 *   A <sha256> <path>      a regular file the run added (nothing there before)
 *   WL <target> <path>     a symbolic link the run wrote over an existing entry (kept)
 *   AL <target> <path>     a symbolic link the run added
 *   R - <path>             an entry the run removed (kept)
 *   D - <path>             a folder the run created (removed when empty; deepest first)
 * Paths are relative to the synced folder; a path has `\` written `\\` and a newline `\n` (as
 * sha256sum escapes names, so its own `-c` reads them); a link target also has a space written
 * `\040` (the shell's `printf %b` decodes both).
 */
export const MANIFEST_HEADER = 'deploy-restore-manifest 1';

export type RestoreEntry =
  | { kind: 'written' | 'added'; path: string; sha256: string }
  | { kind: 'written-link' | 'added-link'; path: string; target: string }
  | { kind: 'removed' | 'added-folder'; path: string };

const CODE = { written: 'W', added: 'A', 'written-link': 'WL', 'added-link': 'AL', removed: 'R', 'added-folder': 'D' } as const;

function escapeText(text: string): string {
  if (text === '' || text.includes('\0')) throw new Error(`not a path or link target: ${JSON.stringify(text)}`);
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapePath(path: string): string {
  if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`not a path in the tree: ${JSON.stringify(path)}`);
  return escapeText(path);
}

/** The manifest's text for these entries (folders last, deepest first). */
export function restoreManifest(entries: readonly RestoreEntry[]): string {
  const folders = entries.filter((entry) => entry.kind === 'added-folder').sort((a, b) => (a.path < b.path ? 1 : a.path > b.path ? -1 : 0));
  const lines = [...entries.filter((entry) => entry.kind !== 'added-folder'), ...folders].map((entry) => {
    const value =
      'sha256' in entry
        ? /^[0-9a-f]{64}$/.test(entry.sha256)
          ? entry.sha256
          : (() => {
              throw new Error(`not a sha256: ${entry.sha256}`);
            })()
        : 'target' in entry
          ? escapeText(entry.target).replace(/ /g, '\\040')
          : '-';
    return `${CODE[entry.kind]} ${value} ${escapePath(entry.path)}`;
  });
  return `${[MANIFEST_HEADER, ...lines].join('\n')}\n`;
}

/**
 * restore <dest> <backup folder> <manifest>: exit 0 restored, printing `restored=<n>` (entries
 * put back from the backup) and `removed=<n>` (files and links the run added, removed); exit 65
 * untouched with `changed since run: <path as in the manifest>` when a written or added file
 * no longer has its sha256 (or link its target), or a removed one is back, and with a reason
 * when the backup or the manifest is missing.
 */
export const RESTORE_SCRIPT = [
  'local_path "$1"; dest=$out',
  'local_path "$2"; b=$out',
  'local_path "$3"; m=$out',
  'decode() { case $1 in *\\\\*) out=$(printf "%bx" "$1"); out=${out%x} ;; *) out=$1 ;; esac; }',
  '[ -f "$m" ] || refuse "restore manifest $m is missing"',
  'IFS= read -r head < "$m" || head=',
  `[ "$head" = "${MANIFEST_HEADER}" ] || { echo "$m is not a restore manifest" >&2; exit 1; }`,
  '[ -d "$dest" ] || refuse "$dest is gone"',
  'sums=$(mktemp) || exit',
  'trap \'rm -f -- "$sums"\' EXIT',
  'back=0 added=0 files=0 skip=1',
  'while IFS= read -r line; do',
  '  if [ "$skip" = 1 ]; then skip=0; continue; fi',
  '  kind=${line%% *} rest=${line#* }',
  '  v=${rest%% *} ep=${rest#* }',
  '  decode "$ep"; p=$out f=$dest/$out',
  '  case $kind in',
  '    W|A)',
  '      [ -f "$f" ] && [ ! -L "$f" ] || refuse "changed since run: $ep"',
  '      case $ep in *\\\\*) printf "%s%s  %s\\n" "\\\\" "$v" "$ep" ;; *) printf "%s  %s\\n" "$v" "$ep" ;; esac >> "$sums" || exit',
  '      files=$((files + 1)) ;;',
  '    WL|AL)',
  '      [ -L "$f" ] || refuse "changed since run: $ep"',
  '      read_link "$f" || exit; t=$out',
  '      decode "$v"; [ "$t" = "$out" ] || refuse "changed since run: $ep" ;;',
  '    R) if [ -e "$f" ] || [ -L "$f" ]; then refuse "changed since run: $ep"; fi ;;',
  '    D) ;;',
  '    *) echo "$m: not a manifest record: $line" >&2; exit 1 ;;',
  '  esac',
  '  case $kind in',
  '    W|WL|R) back=$((back + 1)); [ -e "$b/$p" ] || [ -L "$b/$p" ] || refuse "the backup of $ep is gone from $b" ;;',
  '    A|AL) added=$((added + 1)) ;;',
  '  esac',
  'done < "$m"',
  'if [ "$files" -gt 0 ]; then',
  '  bad=$(cd -- "$dest" && sha256sum -c --quiet --strict -- "$sums" 2>/dev/null) || {',
  "    nl='\n'",
  '    bad=${bad%%"$nl"*}',
  '    case $bad in \\\\*) bad=${bad#?} ;; esac',
  '    refuse "changed since run: ${bad%: FAILED*}"',
  '  }',
  'fi',
  'if [ "$back" -gt 0 ]; then rsync -rlpt --delay-updates -- "$b/" "$dest/" || exit; fi',
  'skip=1',
  'while IFS= read -r line; do',
  '  if [ "$skip" = 1 ]; then skip=0; continue; fi',
  '  kind=${line%% *} rest=${line#* }',
  '  decode "${rest#* }"; f=$dest/$out',
  '  case $kind in',
  '    A|AL) rm -f -- "$f" || exit ;;',
  '    D) rmdir -- "$f" 2>/dev/null || : ;;',
  '  esac',
  'done < "$m"',
  'printf "restored=%s\\nremoved=%s\\n" "$back" "$added"',
].join('\n');

/** The argv that puts back, in `dest` (<deploy_dir>/<path>), what a run replaced and removed, from its backup folder. */
export function buildRestoreInPlace(dest: string, backupDir: string, manifestPath: string): string[] {
  return hostCommand('restore-in-place', RESTORE_SCRIPT, [checkHostFolder(dest), checkHostFolder(backupDir), checkHostFolder(manifestPath)]);
}

/** The counts a restore printed. */
export function parseRestore(stdout: string): { restored: number; removed: number } {
  const count = (key: string): number =>
    Number(
      /^(\d+)$/.exec(
        stdout
          .split('\n')
          .find((line) => line.startsWith(`${key}=`))
          ?.slice(key.length + 1) ?? '',
      )?.[1] ?? 0,
    );
  return { restored: count('restored'), removed: count('removed') };
}
