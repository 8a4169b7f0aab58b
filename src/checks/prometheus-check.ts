import { oneLine, visible } from '../lib/text.js';

/**
 * An instant query's value: the sum of its samples (0 for an empty vector), or a scalar's value.
 * An unreachable server, an error answer or another result type throws: a check never passes on it.
 */
export async function queryValue(baseUrl: string, query: string, signal: AbortSignal): Promise<number> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  url.searchParams.set('query', query);
  const response = await fetch(url, { signal });
  const text = await response.text();
  let answer: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    answer = JSON.parse(text) as typeof answer;
  } catch {
    throw new Error(`HTTP ${response.status}, not a Prometheus answer: ${visible(oneLine(text)).slice(0, 120)}`);
  }
  if (!response.ok || answer.status !== 'success') {
    throw new Error(`HTTP ${response.status}, error: ${visible(oneLine(String(answer.error ?? 'no error text')))}`);
  }
  const { resultType, result } = answer.data ?? {};
  if (resultType === 'scalar' && Array.isArray(result)) return sampleNumber(result[1]);
  if (resultType === 'vector' && Array.isArray(result)) {
    return result.reduce<number>((sum, sample: { value?: unknown[] }) => sum + sampleNumber(sample.value?.[1]), 0);
  }
  throw new Error(`result type ${String(resultType)}, expected a vector or a scalar`);
}

function sampleNumber(raw: unknown): number {
  const value = Number(raw);
  if (typeof raw !== 'string' || Number.isNaN(value)) throw new Error(`sample value ${JSON.stringify(raw)} is not a number`);
  return value;
}

export interface Bounds {
  max?: number;
  maxRatio?: number;
  /** The same query's value when the run started (with maxRatio). */
  baseline?: number;
}

/** The value against its bounds, as a one-line reason. */
export function judgeValue(value: number, bounds: Bounds): { ok: boolean; detail: string } {
  const parts: string[] = [];
  let ok = true;
  if (bounds.max !== undefined) {
    ok &&= value <= bounds.max;
    parts.push(`max ${bounds.max}`);
  }
  if (bounds.maxRatio !== undefined) {
    if (bounds.baseline === undefined) return { ok: false, detail: `value ${value}; no baseline (the query failed when the run started)` };
    const limit = Math.max(1, bounds.baseline * bounds.maxRatio);
    ok &&= value <= limit;
    parts.push(`max(1, baseline ${bounds.baseline} × ${bounds.maxRatio}) = ${limit}`);
  }
  return { ok, detail: `value ${value} ${ok ? 'within' : 'above'} ${parts.length > 0 ? parts.join(' and ') : 'no bound'}` };
}
