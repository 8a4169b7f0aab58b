import type { Hook } from '@oclif/core';

/** The plugin commands that (re)write the completion scripts. */
const WRITERS = ['autocomplete', 'autocomplete:create'];

/** After `deploy autocomplete` writes the completion scripts: `-D` completes config keys too. */
const hook: Hook<'postrun'> = async function (options) {
  if (!WRITERS.includes(options.Command.id)) return;
  const { addDefineCompletion } = await import('../completion/add-define-completion.js');
  await addDefineCompletion(options.config.cacheDir, options.config.bin, (message) => this.warn(message));
};

export default hook;
