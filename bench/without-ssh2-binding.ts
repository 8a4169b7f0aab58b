/**
 * Preload (`node --import dist/bench/without-ssh2-binding.js ...`) that makes ssh2 run as it
 * does on an install where the install scripts of ssh2 and cpu-features did not run: resolving
 * ssh2's optional binding (lib/protocol/crypto/build/Release/sshcrypto.node) or `cpu-features`
 * throws MODULE_NOT_FOUND, so ssh2 takes its own fallbacks (Node's crypto for the ciphers, its
 * WASM poly1305, the default cipher order). Used by the ssh2-binding figure's children.
 *
 * DEPLOY_BENCH_HIDE=cpu-features hides cpu-features alone (ssh2's binding built, cpu-features'
 * script denied); unset, both are hidden.
 */
import { createRequire } from 'node:module';

type Resolve = (request: string, ...rest: unknown[]) => string;
const require = createRequire(import.meta.url);
const Module = require('node:module') as { _resolveFilename: Resolve };
const resolve = Module._resolveFilename;
const onlyCpuFeatures = process.env.DEPLOY_BENCH_HIDE === 'cpu-features';
const hidden = (request: string): boolean =>
  request === 'cpu-features' || /(^|[/\\])cpufeatures\.node$/.test(request) || (!onlyCpuFeatures && /(^|[/\\])sshcrypto\.node$/.test(request));
Module._resolveFilename = function (this: unknown, request: string, ...rest: unknown[]): string {
  if (hidden(request)) {
    const error = new Error(`Cannot find module '${request}' (hidden by bench/without-ssh2-binding)`) as Error & { code: string };
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolve.call(this, request, ...rest);
};
