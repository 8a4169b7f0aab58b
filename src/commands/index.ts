import Abort from './abort.js';
import Config from './config.js';
import Help from './help.js';
import History from './history.js';
import Lock from './lock.js';
import PhpFpmRestart from './php-fpm-restart.js';
import Promote from './promote.js';
import Rollback from './rollback.js';
import Status from './status.js';
import SyncFile from './sync-file.js';
import SyncWorld from './sync-world.js';
import Unlock from './unlock.js';

/** oclif's explicit command list: no directory scan at start-up. */
export const COMMANDS = {
  'sync-file': SyncFile,
  'sync-world': SyncWorld,
  'php-fpm-restart': PhpFpmRestart,
  rollback: Rollback,
  lock: Lock,
  unlock: Unlock,
  history: History,
  status: Status,
  promote: Promote,
  abort: Abort,
  config: Config,
  help: Help,
};
