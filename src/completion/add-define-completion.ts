import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTextIfExists } from '../lib/read-file.js';
import { bashDefineCompletion, DEFINE_MARKER } from './bash-define.js';
import { defineWords } from './define-words.js';
import { addZshDefineCompletion } from './zsh-define.js';

/** Where @oclif/plugin-autocomplete writes its scripts, under oclif's cache folder. */
export function completionScriptPaths(cacheDir: string, bin: string): { bash: string; zsh: string } {
  const functions = join(cacheDir, 'autocomplete', 'functions');
  return { bash: join(functions, 'bash', `${bin}.bash`), zsh: join(functions, 'zsh', `_${bin}`) };
}

/**
 * Teach the scripts the plugin just wrote to complete `-D key:value` from the schema. A
 * script that is missing, or already has the addition, is left alone; a zsh script in a
 * form we do not know is left alone with a warning (flags and commands still complete).
 */
export async function addDefineCompletion(cacheDir: string, bin: string, warn: (message: string) => void): Promise<void> {
  const paths = completionScriptPaths(cacheDir, bin);
  const words = defineWords();
  const bash = readTextIfExists(paths.bash);
  if (bash !== undefined && !bash.includes(DEFINE_MARKER)) {
    await writeFile(paths.bash, `${bash}${bashDefineCompletion(bin, `_${bin}_autocomplete`, words)}`);
  }
  const zsh = readTextIfExists(paths.zsh);
  if (zsh === undefined) return;
  const patched = addZshDefineCompletion(zsh, bin, words);
  if (patched === undefined) warn(`zsh completion: no -D/--define spec found in ${paths.zsh}; -D completes file names there`);
  else if (patched !== zsh) await writeFile(paths.zsh, patched);
}
