import { afterEach, describe, expect, it } from 'vitest';
import { syncFile } from '../../src/services/sync-file.js';
import { startHttpServer, type TestHttpServer } from '../servers/http-server.js';
import { stepFixture, type StepFixture } from './fixture.js';

let fixture: StepFixture | undefined;
let http: TestHttpServer | undefined;
afterEach(async () => {
  await fixture?.cleanup();
  await http?.stop();
  fixture = undefined;
  http = undefined;
});

describe('canary check outcomes in the run', () => {
  it('prints each check with its reason and lists them in the JSON report', async () => {
    // Given a shell check that passes and an HTTP check per canary, one canary unhealthy
    http = await startHttpServer();
    http.setRoute('/mw01/health', { status: 200, body: 'ok' });
    http.setRoute('/mw02/health', { status: 500, body: 'bad' });
    fixture = await stepFixture({
      targets: ['mw01', 'mw02', 'mw03'],
      canaries: ['mw01', 'mw02'],
      canary_checks: ['true', { http: `${http.url}/{host}/health` }],
    });
    // When the file is synced with --json
    const code = await syncFile({ ...fixture.options({ json: true }), path: 'php/index.php' });
    // Then the run stops with exit 1, and the report has every check with its reason
    expect(code).toBe(1);
    const report = JSON.parse(fixture.stdout.text);
    expect(report.checks).toEqual([
      { check: 'true', ok: true, detail: 'returned [0]' },
      { check: `GET ${http.url}/mw01/health`, host: 'mw01', ok: true, detail: 'HTTP 200' },
      { check: `GET ${http.url}/mw02/health`, host: 'mw02', ok: false, detail: 'HTTP 500, expected a 2xx status' },
    ]);
    expect(fixture.stderr.text).toContain(`Canary check failed: GET ${http.url}/mw02/health (mw02): HTTP 500, expected a 2xx status`);
    expect(fixture.fleet.touched().sort()).toEqual(['mw01', 'mw02']);
  });
});
