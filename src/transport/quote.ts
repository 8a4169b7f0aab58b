import { quote } from 'shlex';

/**
 * Render argv as one POSIX shell command line, each word quoted only when it needs to be,
 * so the text a user sees is the text a shell runs. Nothing unquoted reaches a shell.
 */
export function renderCommand(argv: readonly string[]): string {
  return argv.map((word) => quote(word)).join(' ');
}
