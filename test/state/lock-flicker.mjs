// Either takes and releases the lock in a loop, or reads it in a loop counting reads that saw
// a lock file without a whole holder in it (test/state/lock-file.test.ts).
// argv: <url of dist/src/state/lock-file.js> <lock path> <"hold"|"read"> <milliseconds>
import { readFileSync } from 'node:fs';
const [moduleUrl, lockPath, role, ms] = process.argv.slice(2);
const { acquireLock } = await import(moduleUrl);
const { currentHolder } = await import(moduleUrl.replace(/lock-file\.js$/, 'lock-holder.js'));
const until = Date.now() + Number(ms);
let cycles = 0;
let partial = 0;
while (Date.now() < until) {
  cycles++;
  if (role === 'hold') {
    try {
      acquireLock(lockPath, currentHolder('flicker'), () => undefined).release();
    } catch {
      // a reader never holds it; nothing else races here
    }
    continue;
  }
  let text;
  try {
    text = readFileSync(lockPath, 'utf8');
  } catch {
    continue;
  }
  try {
    if (!text.endsWith('\n') || typeof JSON.parse(text).pid !== 'number') partial++;
  } catch {
    partial++;
  }
}
process.stdout.write(JSON.stringify({ cycles, partial }));
