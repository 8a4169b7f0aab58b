import PhpFpmRestart from './php-fpm-restart.js';
import SyncFile from './sync-file.js';

/** oclif's explicit command list: no directory scan at start-up. */
export const COMMANDS = {
  'sync-file': SyncFile,
  'php-fpm-restart': PhpFpmRestart,
};
