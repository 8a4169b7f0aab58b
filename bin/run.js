#!/usr/bin/env node
import { execute } from '@oclif/core';

// The commands run from one bundle (scripts/bundle.mjs): a stack trace (DEBUG) names src/ files.
if (process.env.DEBUG) process.setSourceMapsEnabled(true);
await execute({ dir: import.meta.url });
// Every connection and timer is closed by now; exit with the status the command set.
process.exit(process.exitCode ?? 0);
