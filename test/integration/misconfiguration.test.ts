import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import express, { type RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import { createToopher, ToopherApi, ToopherStrategy, type ToopherEvent } from '../../src/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { close, listen } from '../helpers/listen.js';
import { enroll, SECRET } from '../helpers/test-app.js';

// A misconfigured app says what is wrong: a refused consumer key, a form
// without a body parser, pages that are not mounted.

interface User {
  readonly email: string;
}

let sandbox: Sandbox;
let api: ToopherApi;
const servers: Array<ReturnType<typeof createServer>> = [];

before(async () => {
  sandbox = await createSandbox();
  api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
});

after(async () => {
  await Promise.all(servers.map((s) => close(s)));
  await sandbox.close();
});

interface MiniAppOptions {
  readonly consumerSecret?: string;
  readonly onEvent?: (event: ToopherEvent) => void;
  readonly warnings: string[];
  /** 'mounted' (the default), 'unmounted' (createToopher without app.use) or 'standalone' (new ToopherStrategy). */
  readonly setup?: 'mounted' | 'unmounted' | 'standalone';
}

/** An Express app whose "first factor" trusts the email field, then asks Toopher. */
async function miniApp(options: MiniAppOptions): Promise<BrowserClient> {
  const auth = new passport.Passport();
  auth.serializeUser((user, done) => done(null, (user as User).email));
  auth.deserializeUser((email: string, done) => done(null, { email }));
  const common = {
    api: { consumerKey: sandbox.consumerKey, consumerSecret: options.consumerSecret ?? sandbox.consumerSecret, baseUrl: sandbox.apiUrl, retry: 0 },
    userName: (user: User) => user.email,
    secret: SECRET,
    passport: auth,
    onWarning: (message: string) => options.warnings.push(message),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
  const app = express();
  app.set('env', 'test'); // Express's default error handler stays quiet
  app.use(session({ secret: 'session-secret', resave: false, saveUninitialized: false }));
  app.use(auth.session());
  const setup = options.setup ?? 'mounted';
  let verifyCsrf: RequestHandler = (_req, _res, next) => next();
  if (setup === 'standalone') {
    auth.use(new ToopherStrategy<User>(common));
  } else {
    const toopher = createToopher<User>(common);
    if (setup === 'mounted') app.use(toopher);
    auth.use(toopher.strategy);
    verifyCsrf = toopher.verifyCsrf;
  }
  const firstFactor: RequestHandler = (req, _res, next) => {
    req.user = { email: String((req.body as Record<string, unknown>)['email']) };
    next();
  };
  app.post('/login', express.urlencoded({ extended: false }), firstFactor, auth.authenticate('toopher', { successRedirect: '/' }) as RequestHandler);
  // No body parser before verifyCsrf: the mistake under test.
  app.post('/profile', verifyCsrf, (_req, res) => {
    res.send('saved');
  });
  const server = createServer(app);
  servers.push(server);
  return new BrowserClient(await listen(server));
}

test('a refused consumer secret emits api-error with the status and Toopher\'s message', async () => {
  const events: ToopherEvent[] = [];
  const warnings: string[] = [];
  const client = await miniApp({ consumerSecret: 'not-the-secret', onEvent: (e) => events.push(e), warnings });
  const hop = await client.post('/login', { email: 'ann@example.com' });
  assert.equal(hop.status, 502);
  const event = events.find((e) => e.type === 'api-error');
  assert.ok(event !== undefined, JSON.stringify(events));
  assert.equal(event.status, 401);
  assert.equal(event.userName, 'ann@example.com');
  assert.match(event.message ?? '', /HTTP 401/);
  assert.doesNotMatch(event.message ?? '', /not-the-secret/);
  assert.deepEqual(warnings, [], 'a listener gets the event instead of a warning');
});

test('without an onEvent listener a refused consumer secret prints one warning naming the cause', async () => {
  const warnings: string[] = [];
  const client = await miniApp({ consumerSecret: 'not-the-secret', warnings });
  for (const email of ['ben@example.com', 'cid@example.com']) {
    assert.equal((await client.post('/login', { email })).status, 502);
  }
  const apiWarnings = warnings.filter((w) => w.includes('Toopher API call failed'));
  assert.equal(apiWarnings.length, 1, warnings.join('\n'));
  assert.match(apiWarnings[0] ?? '', /`consumerKey` and `consumerSecret`.*`baseUrl`/);
  assert.doesNotMatch(apiWarnings[0] ?? '', /not-the-secret/);
});

test('verifyCsrf without a body parser refuses the form and names the missing middleware', async () => {
  const warnings: string[] = [];
  const client = await miniApp({ warnings });
  const hop = await client.post('/profile', { _csrf: 'whatever', name: 'Ann' });
  assert.equal(hop.status, 403);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /no `req.body`.*express\.urlencoded\(\{ extended: false \}\), toopher\.verifyCsrf/);
});

test('passport.authenticate(\'toopher\') without app.use(toopher) warns that the page will be a 404', async () => {
  const warnings: string[] = [];
  const client = await miniApp({ warnings, setup: 'unmounted' });
  await enroll(sandbox, api, 'dot@example.com', client);
  const hop = await client.post('/login', { email: 'dot@example.com' });
  assert.equal(hop.status, 303);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /not seem to be mounted.*app\.use\(toopher\)/);
});

test('a mounted router gives no warning', async () => {
  const warnings: string[] = [];
  const client = await miniApp({ warnings });
  await enroll(sandbox, api, 'eve@example.com', client);
  assert.equal((await client.post('/login', { email: 'eve@example.com' })).status, 303);
  assert.deepEqual(warnings, []);
});

test('ToopherStrategy used on its own warns that its pages need createToopher()', async () => {
  const warnings: string[] = [];
  const client = await miniApp({ warnings, setup: 'standalone' });
  await enroll(sandbox, api, 'fay@example.com', client);
  assert.equal((await client.post('/login', { email: 'fay@example.com' })).status, 303);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0] ?? '', /only createToopher\(\)'s router serves the pages/);
});
