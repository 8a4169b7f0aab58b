import { quote } from 'shlex';
import { DEFINE_MARKER } from './bash-define.js';
import { type DefineWord, shellFunctionName } from './define-words.js';

const DESCRIPTION_LENGTH = 60;

function shortMeaning(meaning: string): string {
  const plain = meaning.replaceAll('`', '');
  return plain.length <= DESCRIPTION_LENGTH ? plain : `${plain.slice(0, DESCRIPTION_LENGTH - 3).trimEnd()}...`;
}

function valueArms(words: readonly DefineWord[]): string {
  return words
    .filter((word) => word.values.length > 0)
    .map((word) => `    ${quote(word.key)}) values=(${word.values.map((value) => quote(value)).join(' ')}) ;;`)
    .join('\n');
}

/**
 * Zsh: the action of `-D`/`--define`: `key:` with the key's meaning, then (after the
 * colon) the key's fixed values, or a message naming the key when any value goes.
 */
export function zshDefineFunction(bin: string, words: readonly DefineWord[]): string {
  const keys = words.map((word) => quote(`${word.key}:${shortMeaning(word.meaning)}`)).join('\n    ');
  return `
${DEFINE_MARKER}: config keys from the schema, then fixed values (generated; do not edit).
${shellFunctionName(bin, 'define')}() {
  local key=\${PREFIX%%:*}
  local -a keys values
  keys=(
    ${keys}
  )
  if compset -P '*:'; then
    case $key in
${valueArms(words)}
    esac
    if (( $#values )); then
      compadd -- $values
    else
      _message -e values "value of $key"
    fi
  else
    _describe -t config-keys 'config key' keys -S ':'
  fi
}
`;
}

/**
 * The plugin's zsh script with `-D` completing config keys: the function goes after the
 * `#compdef` line, and each `-D` spec calls it. Undefined when the script has no such spec
 * (a plugin version that writes another form): the caller warns and leaves the script as is.
 */
export function addZshDefineCompletion(script: string, bin: string, words: readonly DefineWord[]): string | undefined {
  if (script.includes(DEFINE_MARKER)) return script;
  const action = shellFunctionName(bin, 'define');
  let count = 0;
  // `{-D,--define}"[summary]:file:_files"`: the plugin's spec, which completes file names.
  const patched = script.replace(/(\{-D,--define\}"\[[^\n]*?\]):file:_files"/g, (_match, head: string) => {
    count += 1;
    return `${head}:config key:${action}"`;
  });
  const firstLineEnd = patched.indexOf('\n');
  if (count === 0 || !patched.startsWith('#compdef') || firstLineEnd < 0) return undefined;
  return `${patched.slice(0, firstLineEnd + 1)}${zshDefineFunction(bin, words)}${patched.slice(firstLineEnd + 1)}`;
}
