import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Script, createContext } from 'node:vm';

import { clientScript, stylesheet } from '../../src/views/index.js';

// A minimal stand-in for the few DOM pieces the script touches, so its
// behaviour can be checked in node:vm. Timers run on the next turn (a fake clock).

type Listener = (event: { persisted?: boolean }) => void;

class FakeElement {
  readonly tagName: string;
  readonly attributes = new Map<string, string>();
  readonly listeners = new Map<string, Listener[]>();
  textContent = '';
  submitted = 0;

  constructor(tagName: string, attributes: Record<string, string> = {}) {
    this.tagName = tagName;
    for (const [name, value] of Object.entries(attributes)) this.attributes.set(name, value);
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, String(value));
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  submit(): void {
    this.submitted += 1;
  }
}

interface FetchCall {
  readonly url: string;
  readonly init: { credentials?: string; cache?: string; method?: string; headers?: Record<string, string> };
}

type FetchAnswer = { status: number; body: unknown } | 'network-error';

interface Page {
  readonly fetches: FetchCall[];
  readonly run: () => void;
}

function loadPage(elements: Record<string, FakeElement>, answers: FetchAnswer[] = []): Page {
  const fetches: FetchCall[] = [];
  const pending = new Set<NodeJS.Immediate>();
  const document = {
    readyState: 'complete',
    visibilityState: 'visible',
    getElementById: (id: string) => elements[id] ?? null,
    addEventListener: () => undefined,
  };
  const window = {
    location: { href: 'https://app.example/toopher/pending/req-1', origin: 'https://app.example', reload: () => undefined },
    addEventListener: () => undefined,
  };
  const fetch = (url: string, init: FetchCall['init']): Promise<unknown> => {
    fetches.push({ url, init });
    const answer = answers.shift() ?? 'network-error';
    if (answer === 'network-error') return Promise.reject(new TypeError('Failed to fetch'));
    return Promise.resolve({ status: answer.status, json: () => Promise.resolve(answer.body) });
  };
  const context = createContext({
    document,
    window,
    fetch,
    URL,
    setTimeout: (fn: () => void) => {
      const handle = setImmediate(() => {
        pending.delete(handle);
        fn();
      });
      pending.add(handle);
      return handle;
    },
    clearTimeout: (handle: NodeJS.Immediate) => {
      clearImmediate(handle);
      pending.delete(handle);
    },
    // The 1 s countdown tick is not driven here; the script also ticks after each poll.
    setInterval: () => 1,
    clearInterval: () => undefined,
  });
  const script = new Script(clientScript, { filename: 'toopher.js' });
  return {
    fetches,
    run: () => {
      script.runInContext(context);
    },
  };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Lets queued timers and promise callbacks run for a few turns. */
async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

function pendingElements(statusUrl = '/toopher/pending/req-1/status'): Record<string, FakeElement> {
  const now = Date.now();
  return {
    'toopher-pending': new FakeElement('MAIN', {
      'data-status-url': statusUrl,
      'data-expires-at': String(now + 90_000),
      'data-now': String(now),
      'data-countdown-template': 'Left {time} ({seconds}s)',
      'data-expired-text': 'Time is up.',
      'data-decided-text': 'Answer received',
      'data-offline-text': 'Offline',
    }),
    'toopher-check': new FakeElement('FORM'),
    'toopher-countdown': new FakeElement('P'),
    'toopher-state': new FakeElement('P'),
  };
}

void test('the client script compiles as a classic script', () => {
  assert.doesNotThrow(() => new Script(clientScript, { filename: 'toopher.js' }));
});

void test('the client script avoids post-ES2017 syntax, eval and innerHTML', () => {
  assert.doesNotMatch(clientScript, /\?\.|\?\?|\beval\b|new Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  assert.doesNotMatch(clientScript, /\b(?:import|export)\b/);
});

void test('the stylesheet keeps a visible focus style and uses system fonts', () => {
  assert.match(stylesheet, /:focus-visible\s*\{[^}]*outline:\s*3px solid/);
  assert.match(stylesheet, /font-family:\s*system-ui/);
  assert.match(stylesheet, /max-width:\s*34rem/);
});

void test('does nothing on a page without the pending or replay elements', async () => {
  const page = loadPage({});
  assert.doesNotThrow(() => page.run());
  await settle();
  assert.equal(page.fetches.length, 0);
});

void test('submits the replay form exactly once even if the script runs twice', async () => {
  const replay = new FakeElement('FORM');
  const page = loadPage({ 'toopher-replay': replay });
  page.run();
  page.run();
  await settle();
  assert.equal(replay.submitted, 1);
});

void test('ignores an element with the replay id that is not a form', async () => {
  const notAForm = new FakeElement('DIV');
  const page = loadPage({ 'toopher-replay': notAForm });
  page.run();
  await settle();
  assert.equal(notAForm.submitted, 0);
});

void test('polls the status URL with same-origin credentials and no-store until granted, then submits the check form', async () => {
  const elements = pendingElements();
  const page = loadPage(elements, [
    { status: 202, body: { state: 'pending', expiresAt: Date.now() + 60_000 } },
    { status: 202, body: { state: 'pending', expiresAt: Date.now() + 60_000 } },
    { status: 200, body: { state: 'granted' } },
  ]);
  page.run();
  const check = elements['toopher-check'];
  await waitFor(() => check?.submitted === 1, 'the check form to be submitted');
  assert.equal(page.fetches.length, 3);
  for (const call of page.fetches) {
    assert.equal(call.url, '/toopher/pending/req-1/status');
    assert.equal(call.init.credentials, 'same-origin');
    assert.equal(call.init.cache, 'no-store');
    assert.equal(call.init.headers?.['Accept'], 'application/json');
  }
  assert.equal(elements['toopher-state']?.textContent, 'Answer received');
  await settle();
  assert.equal(page.fetches.length, 3, 'no polling after the decision');
  assert.equal(check?.submitted, 1);
});

void test('submits the check form when the request was denied', async () => {
  const elements = pendingElements();
  const page = loadPage(elements, [{ status: 403, body: { state: 'denied', message: 'Denied' } }]);
  page.run();
  await waitFor(() => elements['toopher-check']?.submitted === 1, 'the check form to be submitted');
});

void test('updates the countdown text from the template', () => {
  const elements = pendingElements();
  const page = loadPage(elements, []);
  page.run();
  assert.match(elements['toopher-countdown']?.textContent ?? '', /^Left 1:(?:30|29) \((?:90|89)s\)$/);
});

void test('stops polling after repeated network errors and leaves the check form to the user', async () => {
  const elements = pendingElements();
  const page = loadPage(elements, ['network-error', 'network-error', 'network-error']);
  page.run();
  await waitFor(() => elements['toopher-state']?.textContent === 'Offline', 'the offline message');
  await settle();
  assert.equal(page.fetches.length, 3);
  assert.equal(elements['toopher-check']?.submitted, 0);
});

void test('treats server errors and non-JSON answers as failures, not decisions', async () => {
  const elements = pendingElements();
  const page = loadPage(elements, [
    { status: 500, body: { state: 'error' } },
    { status: 429, body: null },
    { status: 502, body: 'Bad gateway' },
  ]);
  page.run();
  await waitFor(() => elements['toopher-state']?.textContent === 'Offline', 'the offline message');
  assert.equal(elements['toopher-check']?.submitted, 0);
});

void test('never polls a status URL on another origin', async () => {
  const elements = pendingElements('https://evil.example/status');
  const page = loadPage(elements, [{ status: 200, body: { state: 'granted' } }]);
  page.run();
  await settle();
  assert.equal(page.fetches.length, 0);
  assert.equal(elements['toopher-check']?.submitted, 0);
});
