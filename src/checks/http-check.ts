import { oneLine, visible } from '../lib/text.js';

export interface HttpOutcome {
  ok: boolean;
  detail: string;
}

/** A GET that must answer `status` (default any 2xx) and, with `contains`, a body containing it. */
export async function runHttpCheck(url: string, expect: { status?: number; contains?: string }, signal: AbortSignal): Promise<HttpOutcome> {
  const response = await fetch(url, { signal, redirect: 'manual' });
  const body = await response.text();
  const statusOk = expect.status === undefined ? response.status >= 200 && response.status < 300 : response.status === expect.status;
  const wanted = expect.status === undefined ? 'a 2xx status' : `status ${expect.status}`;
  if (!statusOk) return { ok: false, detail: `HTTP ${response.status}, expected ${wanted}` };
  if (expect.contains !== undefined && !body.includes(expect.contains)) {
    return { ok: false, detail: `HTTP ${response.status}, body does not contain ${visible(oneLine(JSON.stringify(expect.contains)))}` };
  }
  return {
    ok: true,
    detail: `HTTP ${response.status}${expect.contains !== undefined ? `, body contains ${visible(oneLine(JSON.stringify(expect.contains)))}` : ''}`,
  };
}
