import { ToopherApi } from '../src/api/client.js';
import { startChild } from './lib/child.js';

/**
 * Profiling aid (not part of `npm run bench`): `ToopherApi.getAuthenticationStatus`
 * one call after another against the trivial JSON server of the client-bound
 * benchmarks, for a few seconds. Run under the profiler:
 *
 *   node --cpu-prof --cpu-prof-dir=test-output/profiles build/bench/profile-client.js 5000
 */
const ms = Number(process.argv[2] ?? 5000);
const id = '6a1f2b0c-4d7e-4f8a-9b3c-2e5d8f1a7c40';
const user = { id: '0f4c2a1e-7b3d-4e8f-9a6c-5d2b1e8f3a70', name: 'bench-client@example.com', toopher_authentication_enabled: true };
const body = {
  id,
  pending: false,
  granted: true,
  automated: true,
  reason: 'Automatically granted',
  reason_code: 0,
  terminal: { id: '3b9e1d7a-2c4f-4a8e-8d1b-6f0a9c2e5b13', name: 'Firefox on Linux', requester_specified_id: 'bench-terminal', user },
  user,
  action: { id: '9c2d4e6f-1a3b-4c5d-8e7f-0a1b2c3d4e5f', name: 'Log In' },
};
const server = await startChild<{ url: string }>('trivial-json', { body });
try {
  const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: `${server.info.url}/v1` });
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < ms) {
    await api.getAuthenticationStatus(id);
    calls++;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(`${calls} calls, ${((calls * 1000) / (performance.now() - started)).toFixed(0)} calls/s, ${((cpu.user + cpu.system) / calls).toFixed(0)} us CPU/call`);
} finally {
  await server.stop();
}
