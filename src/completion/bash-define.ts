import { quote } from 'shlex';
import { type DefineWord, shellFunctionName } from './define-words.js';

/** Marks the addition, so it is added once to a generated script. */
export const DEFINE_MARKER = '# deploy: -D/--define completion';

/** `'a'|'b'`: a case pattern that matches these words literally. */
function casePattern(words: readonly string[]): string {
  return words.map((word) => quote(word)).join('|');
}

/** The `case` arms: each key with a fixed set of values offers `key:value` for each. */
function valueArms(words: readonly DefineWord[]): string {
  return words
    .filter((word) => word.values.length > 0)
    .map((word) => `      ${casePattern([word.key])}) candidates=(${word.values.map((value) => quote(`${word.key}:${value}`)).join(' ')}) ;;`)
    .join('\n');
}

/**
 * Bash: after `-D`, `--define` or `--define=`, complete `key:` from the schema, then the
 * key's fixed values; anything else goes to the plugin's function, `inner`. Words are read
 * from COMP_LINE (COMP_WORDS splits at `:` and `=`), and each reply drops what bash keeps
 * (up to the last `:` or `=` that is in COMP_WORDBREAKS). No eval, no compgen -W: a
 * candidate is never expanded. A flag is completed by the plugin from the command words alone.
 */
export function bashDefineCompletion(bin: string, inner: string, words: readonly DefineWord[]): string {
  const define = shellFunctionName(bin, 'complete_define');
  const outer = shellFunctionName(bin, 'complete_with_define');
  const keys = words.map((word) => quote(`${word.key}:`)).join(' ');
  return `
${DEFINE_MARKER}: config keys from the schema, then fixed values (generated; do not edit).
${define}()
{
  local IFS=$' \\t\\n' line="\${COMP_LINE:0:COMP_POINT}" typed="" prev="" prefix="" word
  local -a words=() candidates=()
  read -ra words <<< "$line"
  local n=\${#words[@]}
  (( n > 0 )) || return 1
  if [[ "$line" == *[[:space:]] ]]; then
    prev="\${words[n-1]}"
  else
    typed="\${words[n-1]}"
    (( n > 1 )) && prev="\${words[n-2]}"
  fi
  if [[ "$typed" == --define=* ]]; then
    prefix="--define="
  elif [[ "$prev" != -D && "$prev" != --define ]]; then
    return 1
  fi
  local value="\${typed#"$prefix"}"
  if [[ "$value" == *:* ]]; then
    case "\${value%%:*}" in
${valueArms(words)}
    esac
  else
    candidates=(${keys})
    compopt -o nospace 2>/dev/null
  fi
  local breaks="" rest="$typed"
  [[ "$COMP_WORDBREAKS" == *:* ]] && breaks+=":"
  [[ "$COMP_WORDBREAKS" == *=* ]] && breaks+="="
  [[ -n "$breaks" ]] && rest="\${typed##*[$breaks]}"
  local kept="\${typed%"$rest"}"
  COMPREPLY=()
  for word in "\${candidates[@]}"; do
    word="$prefix$word"
    [[ "$word" == "$typed"* ]] && COMPREPLY+=("\${word#"$kept"}")
  done
  return 0
}

${outer}()
{
  ${define} && return 0
  # The plugin takes every word before a flag for the command: give it the command words only,
  # so "-D transport:ssh --<TAB>" still completes flags.
  local cur="\${COMP_WORDS[COMP_CWORD]}" i
  if [[ "$cur" == -* ]]; then
    local -a command=("\${COMP_WORDS[0]}")
    for (( i = 1; i < COMP_CWORD; i++ )); do
      [[ "\${COMP_WORDS[i]}" == -* ]] && break
      command+=("\${COMP_WORDS[i]}")
    done
    local -a COMP_WORDS=("\${command[@]}" "$cur")
    local COMP_CWORD=\${#command[@]}
  fi
  ${inner} "$@"
}

complete -F ${outer} ${quote(bin)}
`;
}
