import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchInterrupts } from '../../../src/run/live/interrupts.js';

describe('watchInterrupts', () => {
  it('stops on the first signal, kills on the second, and lets every host in flight listen without a warning', () => {
    // Given the run's interrupts, and 80 hosts in flight listening to both signals
    const target = new EventEmitter();
    const interrupts = watchInterrupts(() => undefined, target);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    let stopped = 0;
    let killed = 0;
    for (let host = 0; host < 80; host++) {
      interrupts.stop.addEventListener('abort', () => stopped++, { once: true });
      interrupts.kill.addEventListener('abort', () => killed++, { once: true });
    }
    // When SIGINT comes twice
    target.emit('SIGINT', 'SIGINT');
    expect([stopped, killed]).toEqual([80, 0]);
    target.emit('SIGINT', 'SIGINT');
    // Then every listener heard each, and Node warned of no listener leak
    expect([stopped, killed]).toEqual([80, 80]);
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        process.off('warning', onWarning);
        interrupts.dispose();
        expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
        resolve();
      }),
    );
  });
});
