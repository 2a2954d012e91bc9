import { Agent } from 'node:http';
import got from 'got';
import { ToopherApi } from '../src/api/client.js';
import { authorizationHeader } from '../test/helpers/sign-request.js';
import { startChild } from './lib/child.js';
import { enrollUser } from './lib/enroll.js';
import { closedLoop, compare } from './lib/load.js';
import { atLeast, type BenchConfig, type BenchResult } from './lib/result.js';
import { formatCount, median, round } from './lib/stats.js';
import type { SandboxServerInfo } from './servers/sandbox.js';

const CONCURRENCY = 16;

/**
 * `client_vs_got`: `ToopherApi.getAuthenticationStatus` against a sandbox in
 * another process vs a bare `got` GET of the same URL through a keep-alive
 * agent. The bare request is signed too (a minimal HMAC-SHA1 signer), so the
 * sandbox does the same work for both; an unsigned GET would be answered by
 * a cheaper 401 and flatter the baseline.
 */
export async function benchClientVsGot(config: BenchConfig): Promise<BenchResult> {
  const sandbox = await startChild<SandboxServerInfo>('sandbox');
  try {
    const { apiUrl, url, consumerKey, consumerSecret } = sandbox.info;
    const api = new ToopherApi({ consumerKey, consumerSecret, baseUrl: apiUrl });
    await enrollUser(api, { sandboxUrl: url, userName: 'bench-client', terminalId: 'bench-client-terminal-0001' });
    const request = await api.authenticateByUserName('bench-client', 'bench-client-terminal-0001', 'Log In');
    const statusUrl = `${apiUrl}/authentication_requests/${request.id}`;

    const bare = got.extend({ agent: { http: new Agent({ keepAlive: true }) } });
    const credentials = { consumerKey, consumerSecret };
    const viaGot = async (): Promise<void> => {
      const body = await bare
        .get(statusUrl, { headers: { authorization: authorizationHeader({ method: 'GET', url: statusUrl, ...credentials }) } })
        .json<{ id: string }>();
      if (body.id !== request.id) throw new Error('bare got read the wrong request');
    };
    const viaClient = async (): Promise<void> => {
      const status = await api.getAuthenticationStatus(request.id);
      if (status.id !== request.id) throw new Error('client read the wrong request');
    };
    const gotCpu = { microsPerOp: [] as number[] };
    const clientCpu = { microsPerOp: [] as number[] };
    const result = await compare(
      { label: 'got', measure: (ms) => closedLoop(viaGot, CONCURRENCY, ms, gotCpu) },
      { label: 'client', measure: (ms) => closedLoop(viaClient, CONCURRENCY, ms, clientCpu) },
      config,
    );
    // Drop the warm-up entries (the first of each list).
    const gotMicros = median(gotCpu.microsPerOp.slice(1));
    const clientMicros = median(clientCpu.microsPerOp.slice(1));
    const cpuRatios = gotCpu.microsPerOp.slice(1).map((g, i) => g / (clientCpu.microsPerOp[i + 1] ?? Number.NaN));
    const cpuRatio = median(cpuRatios);
    return {
      key: 'client_vs_got',
      rounds: result.ratios,
      perCpu: round(cpuRatio),
      value: round(result.ratio),
      ...atLeast(result.ratio, 0.9),
      rows: [
        [`bare got GET, signed (${CONCURRENCY} in flight)`, `${formatCount(result.baseline)} req/s, ${gotMicros.toFixed(0)} us client CPU/call`],
        ['ToopherApi.getAuthenticationStatus', `${formatCount(result.candidate)} req/s, ${clientMicros.toFixed(0)} us client CPU/call`],
        ['per-round throughput ratios', result.ratios.map((r) => r.toFixed(3)).join(' ')],
        ['calls per client CPU-second, ratio (CPU-bound client)', `${cpuRatio.toFixed(3)} (${cpuRatios.map((r) => r.toFixed(2)).join(' ')})`],
      ],
    };
  } finally {
    await sandbox.stop();
  }
}
