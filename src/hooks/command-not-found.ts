import type { Hook } from '@oclif/core';
import { closestKey } from '../config/suggest.js';
import { EXIT } from '../exit-codes.js';

/** `deploy sync`: one usage line with the command it most likely meant, exit 2. */
const hook: Hook<'command_not_found'> = async function (options) {
  const commands = options.config.commands.filter((command) => !command.hidden).map((command) => command.id);
  const near = closestKey(options.id, commands) ?? commands.find((id) => id.startsWith(options.id));
  const hint = near ? `did you mean ${near}?` : `the commands are: ${commands.join(', ')}`;
  process.stderr.write(`Error: ${options.config.bin} ${options.id}: not a command (${hint})\n`);
  process.exit(EXIT.usage);
};

export default hook;
