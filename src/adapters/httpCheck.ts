// One attempt of an HTTP health check. Retries and the delay between them belong to the
// workflow, so that each attempt is visible in the run's history.
import { request } from 'undici';

export interface HttpProbe {
  url: string;
  expectStatus: number;
  timeoutMs: number;
}

export interface HttpProbeResult {
  ok: boolean;
  status?: number;
  error?: string;
  durationMs: number;
}

export async function probeHttp(probe: HttpProbe): Promise<HttpProbeResult> {
  const started = performance.now();
  try {
    const response = await request(probe.url, {
      method: 'GET',
      headersTimeout: probe.timeoutMs,
      bodyTimeout: probe.timeoutMs,
    });
    await response.body.dump();
    const ok = response.statusCode === probe.expectStatus;
    return {
      ok,
      status: response.statusCode,
      ...(ok ? {} : { error: `expected HTTP ${probe.expectStatus}, got ${response.statusCode}` }),
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    return { ok: false, error: (err as Error).message, durationMs: Math.round(performance.now() - started) };
  }
}
