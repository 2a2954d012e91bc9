import type { ToopherApi } from '../../src/api/client.js';

/**
 * Sets up a sandbox user as a real one would end up after pairing: a phrase
 * from the simulated phone, `pair`, approval on the phone, and a named
 * terminal with the browser's terminal id. With `automate`, one request is
 * approved with "always allow", so later sign-ins from that terminal are
 * granted at once (the automated approval of `login_vs_password_only`).
 */
export interface EnrollOptions {
  readonly sandboxUrl: string;
  readonly userName: string;
  readonly terminalId: string;
  /** Actions to approve once with "always allow" on this terminal. */
  readonly automateActions?: readonly string[];
}

async function control(url: string, method: 'GET' | 'POST', body?: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`sandbox control ${method} ${new URL(url).pathname} answered ${res.status}`);
  return res.json();
}

/** Pairs and names the terminal; returns the pairing id. */
export async function enrollUser(api: ToopherApi, options: EnrollOptions): Promise<string> {
  const { pairing_phrase: phrase } = (await control(`${options.sandboxUrl}/sandbox/pairing_phrases`, 'POST', {})) as {
    pairing_phrase: string;
  };
  const pairing = await api.pair(phrase, options.userName);
  await control(`${options.sandboxUrl}/sandbox/pairings/${pairing.id}/respond`, 'POST', { granted: true });
  await api.createUserTerminal(options.userName, 'Bench browser', options.terminalId);
  for (const action of options.automateActions ?? []) {
    const request = await api.authenticateByUserName(options.userName, options.terminalId, action);
    await control(`${options.sandboxUrl}/sandbox/authentication_requests/${request.id}/respond`, 'POST', {
      granted: true,
      automate: true,
    });
  }
  return pairing.id;
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function forEachLimit<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
