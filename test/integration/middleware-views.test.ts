import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { enroll, makeUsers, startTestApp, userById, type TestApp, type TestUser } from '../helpers/test-app.js';

const users = makeUsers('ann', 'ben');
let sandbox: Sandbox;
let api: ToopherApi;
let app: TestApp;
let dir: string;

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  dir = await mkdtemp(join(tmpdir(), 'toopher-views-'));
  await writeFile(join(dir, 'pending.tpl'), 'unused: the engine below renders from the model');
  app = await startTestApp({
    api,
    users,
    toopher: {
      views: {
        pending: 'pending',
        pair: (model) => `<!doctype html><p>custom pair page ${model.strings?.pairTitle ?? ''}</p>`,
      },
      strings: { pairTitle: 'Koppeln Sie Ihr Telefon', signInRequiredTitle: 'Bitte anmelden' },
    },
  });
  app.app.set('views', dir);
  app.app.set('view engine', 'tpl');
  app.app.engine('tpl', (_path: string, options: object, callback: (err: Error | null, html?: string) => void) => {
    const model = options as { kind?: string; checkAction?: string };
    callback(null, `engine page kind=${model.kind ?? ''} check=${model.checkAction ?? ''}`);
  });
});

after(async () => {
  await app.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

const user = (id: string): TestUser => userById(users, id);

test('renders an overridden page with the app view engine', async () => {
  const client = new BrowserClient(app.url);
  await enroll(sandbox, api, user('ann').email, client);
  const hop = await client.post('/login', { email: user('ann').email, password: user('ann').password });
  const page = await client.get(hop.location ?? '');
  assert.equal(page.status, 200);
  assert.match(page.body, /^engine page kind=login check=\/toopher\/pending\/[A-Za-z0-9_-]+$/);
});

test('renders an overridden page with a function and translated strings', async () => {
  const client = new BrowserClient(app.url);
  const hop = await client.post('/login', { email: user('ben').email, password: user('ben').password });
  const page = await client.get(hop.location ?? '');
  assert.match(page.body, /custom pair page Koppeln Sie Ihr Telefon/);
  const guarded = await client.post('/transfer', { amount: '1' });
  assert.equal(guarded.status, 401);
  assert.match(guarded.body, /Bitte anmelden/);
});
