import { Agent } from 'node:http';
import got from 'got';
import { ToopherApi } from '../../src/api/client.js';
import { authorizationHeader } from '../../test/helpers/sign-request.js';

/**
 * The sides of the client-bound benchmarks (bench/client-bound.ts,
 * bench/client-instructions.ts): the answer the trivial server sends and one
 * call of each Node client, each signed with a fresh nonce and checked.
 */

export const TIMEOUT_MS = 10_000;
export const ID = '6a1f2b0c-4d7e-4f8a-9b3c-2e5d8f1a7c40';
export const CREDENTIALS = { consumerKey: 'bench-consumer-key', consumerSecret: 'bench-consumer-secret' } as const;
const USER = { id: '0f4c2a1e-7b3d-4e8f-9a6c-5d2b1e8f3a70', name: 'bench-client@example.com', toopher_authentication_enabled: true };
/** What the sandbox answers for an automated, granted sign-in. */
export const AUTHENTICATION_REQUEST = {
  id: ID,
  pending: false,
  granted: true,
  automated: true,
  cancelled: false,
  reason: 'Automatically granted',
  reason_code: 0,
  automation_allowed: true,
  challenge_required: false,
  created_seconds_since_epoch: 1_780_000_000,
  terminal: { id: '3b9e1d7a-2c4f-4a8e-8d1b-6f0a9c2e5b13', name: 'Firefox on Linux', requester_specified_id: 'bench-client-terminal-0001', user: USER },
  user: USER,
  action: { id: '9c2d4e6f-1a3b-4c5d-8e7f-0a1b2c3d4e5f', name: 'Log In' },
};

export type Operation = () => Promise<void>;

/** One call of each Node side against the trivial server at `origin`. */
export function createOperations(origin: string): { client: Operation; bareGot: Operation; leanGot: Operation } {
  const baseUrl = `${origin}/v1`;
  const statusUrl = `${baseUrl}/authentication_requests/${ID}`;
  const api = new ToopherApi({ ...CREDENTIALS, baseUrl, timeoutMs: TIMEOUT_MS });
  const client = async (): Promise<void> => {
    if ((await api.getAuthenticationStatus(ID)).id !== ID) throw new Error('client read the wrong request');
  };
  const bare = got.extend({ agent: { http: new Agent({ keepAlive: true }) } });
  const bareGot = async (): Promise<void> => {
    const headers = { authorization: authorizationHeader({ method: 'GET', url: statusUrl, ...CREDENTIALS }) };
    if ((await bare.get(statusUrl, { headers }).json<{ id: string }>()).id !== ID) throw new Error('bare got read the wrong request');
  };
  const lean = got.extend({
    agent: { http: new Agent({ keepAlive: true }) },
    retry: { limit: 0 },
    decompress: false,
    followRedirect: false,
    responseType: 'buffer',
    timeout: { request: TIMEOUT_MS },
  });
  const leanGot = async (): Promise<void> => {
    const headers = { authorization: authorizationHeader({ method: 'GET', url: statusUrl, ...CREDENTIALS }) };
    const response = await lean.get(statusUrl, { headers });
    if ((JSON.parse(response.rawBody.toString('utf8')) as { id: string }).id !== ID) throw new Error('lean got read the wrong request');
  };
  return { client, bareGot, leanGot };
}
