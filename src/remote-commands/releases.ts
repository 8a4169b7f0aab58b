import { checkHostFolder, checkReleaseName, hostCommand, keyValues, releasePath } from './host-script.js';

/**
 * The `releases` layout on a host: `<deploy_dir>/releases/<release>/` folders and a relative
 * symbolic link `<deploy_dir>/current` → `releases/<release>` (SPEC "Trees and releases").
 * Each builder returns the argv of a host script (host-script.ts: exit 0 done, 65 refused and
 * untouched with the reason on stderr, anything else an error).
 */

/**
 * Shell functions of the releases scripts (fixed text; `$d` is deploy_dir, `$nl` a newline):
 * - `current_release`: `$live` is the release `current` points to (`releases/<name>`, or
 *   `<deploy_dir>/releases/<name>` as Capistrano writes it), '' when there is no `current`;
 *   refuses when `current` is not a symbolic link or points anywhere else;
 * - `check_release <name>`: exits 2 on a name that is not one path component;
 * - `switch_to <name>`: `current` → `releases/<name>` by one rename(2) of a new link over the old.
 */
export const RELEASE_FUNCTIONS = [
  "nl='\n'",
  'check_release() { case $1 in ""|.|..|*/*|*"$nl"*) printf "not a release name: %s\\n" "$1" >&2; exit 2 ;; esac; }',
  'current_release() {',
  '  c=$d/current',
  '  live=',
  '  if [ -L "$c" ]; then',
  '    read_link "$c" || exit',
  '    t=$out',
  '    case $t in',
  '      releases/*) live=${t#releases/} ;;',
  '      "$d"/releases/*) live=${t#"$d"/releases/} ;;',
  '      *) refuse "$c points to $t, not to a release in $d/releases" ;;',
  '    esac',
  '    case $live in ""|.|..|*/*|*"$nl"*) refuse "$c points to $t, not to a release in $d/releases" ;; esac',
  '    [ -d "$d/releases/$live" ] || refuse "$c points to $t, which is not a release folder"',
  '  elif [ -e "$c" ]; then',
  '    refuse "$c exists and is not a symbolic link"',
  '  fi',
  '}',
  'switch_to() {',
  '  tmp=$d/.current.deploy-$$',
  '  ln -sfn -- "releases/$1" "$tmp" || exit',
  '  mv -T -- "$tmp" "$d/current" || { s=$?; rm -f -- "$tmp"; exit $s; }',
  '}',
  'local_path "$1"; d=$out',
].join('\n');

/**
 * prepare: deploy_dir is created when missing; refuses (untouched) when `current` is not a link
 * to an existing release, when releases/ is not writable, when the release is the live one, or
 * when a folder on the way to `path` in the live release is a link or not a folder. A leftover
 * releases/<release> (a retried run) is removed. With a live release and a path other than
 * `.`: the live release is copied as hard links (`cp -al`) and `path` removed from the copy
 * (its parent folders kept or made), for the run's rsync to rebuild with `--link-dest`;
 * otherwise the new release is an empty folder. Stages the switch's link,
 * `releases/.current-<release>` → `releases/<release>` (an older one of a cut run removed).
 * Prints `live=<name>` (`live=` when none).
 */
export const PREPARE_SCRIPT = [
  RELEASE_FUNCTIONS,
  'rel=$2 p=$3',
  'check_release "$rel"',
  'case $p in /*|..|../*|*/..|*/../*|"") echo "not a path inside a release: $p" >&2; exit 2 ;; esac',
  'err=$(mkdir -p -- "$d" 2>&1) || refuse "$err"',
  'current_release',
  'r=$d/releases',
  'if [ -e "$r" ] || [ -L "$r" ]; then',
  '  [ -d "$r" ] || refuse "$r exists and is not a folder"',
  '  [ -w "$r" ] || refuse "$r: not writable by $(id -un)"',
  'else',
  '  [ -w "$d" ] || refuse "$r: not writable by $(id -un)"',
  'fi',
  '[ "$rel" != "$live" ] || refuse "release $rel is the live one: $d/current points to it"',
  'if [ -n "$live" ] && [ "$p" != . ]; then',
  '  q=$r/$live rest=$p',
  '  while :; do',
  '    case $rest in */*) q=$q/${rest%%/*} rest=${rest#*/} ;; *) break ;; esac',
  '    if [ -L "$q" ] || { [ -e "$q" ] && [ ! -d "$q" ]; }; then refuse "$q is not a folder (on the way to $p)"; fi',
  '  done',
  'fi',
  'mkdir -p -- "$r" || exit',
  'for q in "$r"/.current-*; do if [ -L "$q" ]; then rm -f -- "$q" || exit; fi; done',
  // A release newer than the live one was never switched to (a cut build, a canary that failed)
  // or was switched away from by a rollback: nothing will switch to it again.
  'if [ -n "$live" ]; then',
  '  for q in "$r"/*; do',
  '    n=${q##*/}',
  '    [ -d "$q" ] && [ ! -L "$q" ] && [ "$n" != "$live" ] && [ "$n" != "$rel" ] || continue',
  '    newest=$(printf "%s\\n%s\\n" "$live" "$n" | LC_ALL=C sort | tail -n 1)',
  '    [ "$newest" = "$n" ] || continue',
  '    remove_tree "$q" || exit',
  '  done',
  'fi',
  'new=$r/$rel',
  'if [ -e "$new" ] || [ -L "$new" ]; then remove_tree "$new" || exit; fi',
  'if [ -n "$live" ] && [ "$p" != . ]; then',
  '  cp -al -- "$r/$live" "$new" || exit',
  '  if [ -e "$new/$p" ] || [ -L "$new/$p" ]; then remove_tree "$new/$p" || exit; fi',
  '  case $p in */*) mkdir -p -- "$new/${p%/*}" || exit ;; esac',
  'else',
  '  mkdir -- "$new" || exit',
  'fi',
  'ln -s -- "releases/$rel" "$r/.current-$rel" || exit',
  'printf "live=%s\\n" "$live"',
].join('\n');

/**
 * switch: `current` → releases/<release> by one rename; refuses when that release is missing or
 * `current` exists and is not a link. Prints nothing. Lean on purpose (it runs inside the
 * restart window): shell builtins, then `exec mv -T` of the link prepare made
 * (`releases/.current-<release>`, as Capistrano stages its link in releases/) over `current`:
 * one process after the shell. Without that link (a release prepared by an older deploy) it is
 * made first.
 */
export const SWITCH_SCRIPT = [
  RELEASE_FUNCTIONS,
  'rel=$2',
  'check_release "$rel"',
  'if [ -e "$d/current" ] && [ ! -L "$d/current" ]; then refuse "$d/current exists and is not a symbolic link"; fi',
  '[ -d "$d/releases/$rel" ] || refuse "release $rel is missing: no folder $d/releases/$rel"',
  'next=$d/releases/.current-$rel',
  '[ -L "$next" ] || ln -s -- "releases/$rel" "$next" || exit',
  'exec mv -T -- "$next" "$d/current"',
].join('\n');

/**
 * switch back (rollback), printing nothing: only while `current` still points to releases/<from> (else refuses
 * "changed since: current -> <target>") and releases/<to> is there (else "release <to> is gone").
 */
export const SWITCH_BACK_SCRIPT = [
  RELEASE_FUNCTIONS,
  'from=$2 to=$3',
  'check_release "$from"',
  'check_release "$to"',
  'c=$d/current',
  'if [ -L "$c" ]; then read_link "$c" || exit; t=$out; elif [ -e "$c" ]; then t="(not a symbolic link)"; else t="(none)"; fi',
  '[ "$t" = "releases/$from" ] || [ "$t" = "$d/releases/$from" ] || refuse "changed since: current -> $t"',
  '[ -d "$d/releases/$to" ] || refuse "release $to is gone"',
  'switch_to "$to"',
].join('\n');

/** read: prints `live=<name>` (`live=` when there is no `current`); refuses as prepare does on a bad `current`. */
export const READ_CURRENT_SCRIPT = [RELEASE_FUNCTIONS, 'current_release', 'printf "live=%s\\n" "$live"'].join('\n');

/** The argv that readies releases/<release> for a run syncing `path` (posix, `.` for the whole tree). */
export function buildPrepareRelease(deployDir: string, release: string, path: string): string[] {
  return hostCommand('prepare-release', PREPARE_SCRIPT, [checkHostFolder(deployDir), checkReleaseName(release), releasePath(path)]);
}

/** The argv that switches `current` to releases/<release>. */
export function buildSwitchRelease(deployDir: string, release: string): string[] {
  return hostCommand('switch-release', SWITCH_SCRIPT, [checkHostFolder(deployDir), checkReleaseName(release)]);
}

/** The argv that switches `current` back from releases/<from> to releases/<to> (rollback). */
export function buildSwitchBack(deployDir: string, from: string, to: string): string[] {
  return hostCommand('switch-back', SWITCH_BACK_SCRIPT, [checkHostFolder(deployDir), checkReleaseName(from), checkReleaseName(to)]);
}

/** The argv that prints the release `current` points to. */
export function buildReadCurrent(deployDir: string): string[] {
  return hostCommand('read-current', READ_CURRENT_SCRIPT, [checkHostFolder(deployDir)]);
}

/** The live release a prepare or read printed (`live=<name>`); undefined when there is none. */
export function parseLive(stdout: string): { live?: string } {
  const live = keyValues(stdout).get('live');
  return live === undefined || live === '' ? {} : { live };
}
