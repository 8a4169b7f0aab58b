# Press <TAB> in a real interactive zsh (driven through zsh's own pseudo-terminal, zpty).
# Usage: zsh -f zsh-complete.zsh FUNCTIONS_DIR OUT LINE TABS
#   FUNCTIONS_DIR  holds the generated `_deploy` (put first in fpath, then compinit)
#   OUT            gets the command line after each <TAB>, one line each
#   LINE           typed before the first <TAB>; with menu_complete each <TAB> inserts
#                  the next candidate, so the lines written list every candidate in turn
#   TABS           how many times to press <TAB>
zmodload zsh/zpty || exit 3
dir=$1 out=$2 line=$3 tabs=$4
: >| $out
zpty shell zsh -f -i
zpty -w shell "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w shell "setopt menu_complete; dump() { print -r -- \$BUFFER >> ${(q)out} }; zle -N dump; bindkey '^X' dump"
zpty -w -n shell "$line"
for (( i = 0; i < tabs; i++ )); do
  zpty -w -n shell $'\t\C-x'
done
# Drain the terminal (a full pty would stop the shell) until every line is written.
for (( waited = 0; waited < 600; waited++ )); do
  while zpty -rt shell chunk 2>/dev/null; do :; done
  (( $(wc -l < $out) >= tabs )) && break
  sleep 0.1
done
zpty -d shell
