# Ask bash's completion for one command line, as readline would on <TAB>.
# Usage: bash bash-complete.bash SCRIPT LINE CWORD WORD...
#   SCRIPT  the generated completion script, sourced as a user's shell does
#   LINE    the text before the cursor (COMP_LINE, COMP_POINT at its end)
#   CWORD, WORD...  COMP_CWORD and COMP_WORDS, split as bash splits them (at blanks and at
#           COMP_WORDBREAKS characters such as `:` and `=`)
# Prints each reply (COMPREPLY) on its own line. WORDBREAKS, when set, replaces COMP_WORDBREAKS
# (bash sets its own at start-up, ignoring the environment).
set -u
source "$1"
[[ -n ${WORDBREAKS-} ]] && COMP_WORDBREAKS=$WORDBREAKS
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
COMP_CWORD=$3
shift 3
COMP_WORDS=("$@")
# The function bash would call: the last `complete -F` registered for deploy.
spec=$(complete -p deploy)
function=${spec#*-F }
function=${function%% *}
"$function" deploy "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
