import { ToopherApi } from '../src/api/client.js';
import { authorizationHeader, signedRequest } from '../test/helpers/sign-request.js';
import { startChild } from './lib/child.js';
import { enrollUser } from './lib/enroll.js';
import { cannon, compare, CpuMeter, cpuRatio } from './lib/load.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, round } from './lib/stats.js';
import type { SandboxServerInfo } from './servers/sandbox.js';

const CONNECTIONS = 32;

/**
 * `sandbox_vs_express`: signed `GET /v1/authentication_requests/:id` calls
 * per second on the sandbox vs a bare Express JSON route answering the same
 * body. Both servers run in their own process; autocannon signs every
 * request with a fresh nonce for both (the bare route ignores it), so the
 * load generator does the same work on each side.
 */
export async function benchSandboxVsExpress(config: BenchConfig): Promise<BenchResult> {
  const sandbox = await startChild<SandboxServerInfo>('sandbox');
  let express: Awaited<ReturnType<typeof startChild<{ url: string }>>> | undefined;
  try {
    const { apiUrl, url, consumerKey, consumerSecret } = sandbox.info;
    const credentials = { consumerKey, consumerSecret };
    const api = new ToopherApi({ ...credentials, baseUrl: apiUrl });
    await enrollUser(api, { sandboxUrl: url, userName: 'bench-sandbox', terminalId: 'bench-sandbox-terminal-001' });
    const request = await api.authenticateByUserName('bench-sandbox', 'bench-sandbox-terminal-001', 'Log In');
    const path = `/v1/authentication_requests/${request.id}`;
    const sample = await signedRequest(credentials, 'GET', `${url}${path}`);
    if (sample.status !== 200) throw new Error(`sandbox answered ${sample.status} to a signed status call`);
    express = await startChild<{ url: string }>('express-json', { body: sample.json });

    const signedLoad = (origin: string) => (ms: number) =>
      cannon(
        {
          url: origin,
          connections: CONNECTIONS,
          requests: [
            {
              method: 'GET',
              path,
              setupRequest: (req) => ({
                ...req,
                headers: {
                  ...req.headers,
                  authorization: authorizationHeader({ method: 'GET', url: `${origin}${path}`, ...credentials }),
                },
              }),
            },
          ],
        },
        ms,
      );
    const expressCpu = new CpuMeter(express);
    const sandboxCpu = new CpuMeter(sandbox);
    const result = await compare(
      { label: 'express', measure: expressCpu.wrap(signedLoad(express.info.url)) },
      { label: 'sandbox', measure: sandboxCpu.wrap(signedLoad(url)) },
      config,
    );
    return {
      key: 'sandbox_vs_express',
      rounds: result.ratios,
      perCpu: round(cpuRatio(expressCpu, sandboxCpu)),
      value: round(result.ratio),
      ...atLeast(result.ratio, 0.6),
      rows: [
        [`bare Express JSON route (${CONNECTIONS} connections)`, `${formatCount(result.baseline)} req/s, ${expressCpu.median().toFixed(0)} us server CPU/req`],
        ['sandbox signed GET authentication_requests/:id', `${formatCount(result.candidate)} req/s, ${sandboxCpu.median().toFixed(0)} us server CPU/req`],
        ['per-round ratios', result.ratios.map((r) => r.toFixed(3)).join(' ')],
        ['requests per server CPU-second, ratio', cpuRatio(expressCpu, sandboxCpu).toFixed(3)],
      ],
    };
  } finally {
    await express?.stop();
    await sandbox.stop();
  }
}
