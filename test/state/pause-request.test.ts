import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pauseRequestPath, takePauseRequest, withdrawPauseRequest, writePauseRequest, type PauseRequest } from '../../src/state/pause-request.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'aaaaaaaaaaaaaaaa';
const request = (extra: Partial<PauseRequest> = {}): PauseRequest => ({
  token: TOKEN,
  id: '1111111111111111',
  action: 'promote',
  by: 'alice@deploy1 pid 42',
  at: '2026-12-07T00:00:00.000Z',
  ...extra,
});

describe('pause requests (the file a promote or abort leaves for one pause)', () => {
  it('is named by the pause token beside the live state, written whole, owner-only, and taken once', () => {
    // Given a lock file in a temp folder
    dir = mkdtempSync(join(tmpdir(), 'deploy-pause-'));
    const lock = join(dir, 'deploy.lock');
    const path = pauseRequestPath(lock, TOKEN);
    // Then each pause has its own request file, in <lock>.journal/
    expect(path).toBe(join(dir, 'deploy.lock.journal', `pause-${TOKEN}.request`));
    expect(pauseRequestPath(lock, 'bbbbbbbbbbbbbbbb')).not.toBe(path);
    expect(() => pauseRequestPath(lock, '../x')).toThrow();
    // When a request is written, a second one for the same pause is refused (busy), not overwritten
    expect(writePauseRequest(path, request())).toBe('written');
    expect(writePauseRequest(path, request({ id: '2222222222222222', action: 'abort' }))).toBe('busy');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'deploy.lock.journal'))).toEqual([`pause-${TOKEN}.request`]);
    // And the run takes it once, and it is gone
    expect(takePauseRequest(path, TOKEN, () => undefined)).toEqual(request());
    expect(takePauseRequest(path, TOKEN, () => undefined)).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('ignores (and removes) a request that names another pause or does not parse', () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-pause-'));
    const path = pauseRequestPath(join(dir, 'deploy.lock'), TOKEN);
    const warnings: string[] = [];
    writePauseRequest(path, request({ token: 'cccccccccccccccc' }));
    expect(takePauseRequest(path, TOKEN, (text) => warnings.push(text))).toBeUndefined();
    writeFileSync(path, 'not json');
    expect(takePauseRequest(path, TOKEN, (text) => warnings.push(text))).toBeUndefined();
    expect(warnings).toEqual([`ignored a damaged pause request ${path}`, `ignored a damaged pause request ${path}`]);
    expect(existsSync(path)).toBe(false);
  });

  it('is withdrawn by its writer only while it is still its own', () => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-pause-'));
    const path = pauseRequestPath(join(dir, 'deploy.lock'), TOKEN);
    writePauseRequest(path, request());
    withdrawPauseRequest(path, '9999999999999999');
    expect(existsSync(path)).toBe(true);
    withdrawPauseRequest(path, '1111111111111111');
    expect(existsSync(path)).toBe(false);
  });
});
