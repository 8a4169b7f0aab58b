// A process that races for the lock file (test/state/lock-file.test.ts drives it over IPC).
// argv: <url of dist/src/state/lock-file.js> <lock path>
const [moduleUrl, lockPath] = process.argv.slice(2);
const { acquireLock } = await import(moduleUrl);
const { currentHolder } = await import(moduleUrl.replace(/lock-file\.js$/, 'lock-holder.js'));
let held;

process.on('message', (message) => {
  if (message.type === 'round') {
    // Start together: spin until the agreed instant.
    while (Date.now() < message.at);
    try {
      held = acquireLock(lockPath, currentHolder('lock racer'), () => undefined);
      process.send({ type: 'result', acquired: true });
    } catch (error) {
      process.send({ type: 'result', acquired: false, exitCode: error.exitCode, message: error.message });
    }
  } else if (message.type === 'release') {
    held?.release();
    held = undefined;
    process.send({ type: 'released' });
  } else if (message.type === 'exit') {
    process.exit(0);
  }
});
process.send({ type: 'ready' });
