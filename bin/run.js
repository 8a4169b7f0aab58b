#!/usr/bin/env node
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
// Every connection and timer is closed by now; exit with the status the command set.
process.exit(process.exitCode ?? 0);
