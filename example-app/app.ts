import express, { type Request, type RequestHandler, type Response } from 'express';
import session, { type Store } from 'express-session';
import helmet from 'helmet';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { RedisStore } from 'connect-redis';
import { createClient, type RedisClientType } from 'redis';
import { createToopher, ToopherApi, type ToopherEvent, type ToopherSharedStore } from 'passport-toopher';
import { RedisSharedStore } from 'passport-toopher/redis';
import { appStylesheet } from './app-stylesheet.js';
import { deriveKey, isLoopback, type ExampleConfig } from './config.js';
import { refuseCrossOrigin } from './cross-origin.js';
import { errorPage, homePage, loginPage, settingsPage, transferDonePage, transferPage } from './pages.js';
import { TransferLog } from './transfers.js';
import type { DemoUser, UserDirectory } from './users.js';

export interface CreateAppOptions {
  readonly config: ExampleConfig;
  /** The Toopher API to use: the embedded sandbox or a real server. */
  readonly api: { readonly baseUrl: string; readonly consumerKey: string; readonly consumerSecret: string };
  readonly users: UserDirectory;
  /** Audit events from passport-toopher; printed by default. */
  readonly onEvent?: (event: ToopherEvent) => void;
}

export interface ExampleApp {
  readonly app: express.Express;
  readonly transfers: TransferLog;
  /** Closes the Redis connection, if any. */
  readonly close: () => Promise<void>;
}

/** A trimmed string field of an urlencoded form body, or '' when absent or not a string. */
function formField(req: Request, name: string): string {
  const body: unknown = req.body;
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value.trim() : '';
}

function signedInUser(req: Request): DemoUser | undefined {
  return req.isAuthenticated() ? (req.user as DemoUser) : undefined;
}

/** Builds the example app. It never listens; main.ts and the tests do. */
export async function createApp(options: CreateAppOptions): Promise<ExampleApp> {
  const { config, users } = options;
  const app = express();
  const transfers = new TransferLog();
  const passport = new Passport();
  const toopherApi = new ToopherApi(options.api);

  let store: Store | undefined;
  let sharedStore: ToopherSharedStore | undefined;
  let closeStore = async (): Promise<void> => {};
  if (config.redisUrl !== undefined) {
    const client: RedisClientType = createClient({ url: config.redisUrl });
    client.on('error', (err: Error) => console.error('Redis error:', err.message));
    await client.connect();
    store = new RedisStore({ client, prefix: 'toopher-example:' });
    sharedStore = new RedisSharedStore(client, { prefix: 'toopher-example:' });
    closeStore = async () => {
      await client.quit();
    };
  } else if (process.env['NODE_ENV'] === 'production' || !isLoopback(config.host)) {
    console.warn('Warning: sessions are kept in MemoryStore, which leaks memory and cannot be shared; set REDIS_URL.');
  }

  app.disable('x-powered-by');
  if (config.trustProxy) app.set('trust proxy', 1);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          objectSrc: ["'none'"],
        },
      },
    }),
  );
  app.use(
    session({
      name: 'example.sid',
      secret: deriveKey(config.sessionSecret, 'session-cookie'),
      resave: false,
      saveUninitialized: false,
      ...(store === undefined ? {} : { store }),
      cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: 8 * 60 * 60 * 1000 },
    }),
  );
  app.use(passport.initialize());
  app.use(passport.session());

  passport.serializeUser<string>((user, done) => done(null, (user as DemoUser).id));
  passport.deserializeUser<string>((id, done) => done(null, users.findById(id) ?? false));
  passport.use(
    new LocalStrategy((username, password, done) => {
      users.verify(username, password).then(
        (user) => done(null, user ?? false, user === undefined ? { message: 'Wrong username or password.' } : undefined),
        done,
      );
    }),
  );

  const toopher = createToopher<DemoUser>({
    api: toopherApi,
    passport,
    userName: (user) => user.username,
    secret: deriveKey(config.sessionSecret, 'passport-toopher'),
    enrollment: config.enrollment,
    // Grants and rate limits must be shared by every instance, like the sessions.
    ...(sharedStore === undefined ? {} : { store: sharedStore }),
    authTimeoutMs: config.authTimeoutMs,
    pairingTimeoutMs: config.pairingTimeoutMs,
    onEvent:
      options.onEvent ??
      ((event) => {
        const line = `[toopher] ${event.type}${event.userName === undefined ? '' : ` ${event.userName}`}`;
        // api-error carries the HTTP status and Toopher's message: a wrong key or URL shows here.
        if (event.type === 'api-error') console.error(`${line}: ${event.message ?? ''}`);
        else console.log(line);
      }),
  });
  app.use(toopher);
  passport.use(toopher.strategy);

  const form = express.urlencoded({ extended: false, limit: '8kb' });

  app.get('/app.css', (_req, res) => {
    res.type('css').set('Cache-Control', 'public, max-age=3600').send(appStylesheet);
  });

  app.get('/login', (req, res) => {
    if (signedInUser(req) !== undefined) return res.redirect('/');
    const returnTo = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : '/';
    const error = req.query['error'] === '1' ? 'Sign-in failed. Please try again.' : undefined;
    // No CSRF token here: an anonymous visit must not create a stored session.
    res.type('html').send(loginPage({ returnTo, error }));
  });

  app.post(
    '/login',
    form,
    refuseCrossOrigin,
    passport.authenticate('local', { session: false, failureRedirect: '/login?error=1' }) as RequestHandler,
    // Reads the form's same-origin `returnTo` field; anything else is ignored.
    passport.authenticate('toopher', { successRedirect: '/', failureRedirect: '/login?error=1' }) as RequestHandler,
  );

  app.post('/logout', form, toopher.verifyCsrf, (req, res, next) => {
    req.logout((err) => {
      if (err) return next(err);
      res.redirect('/login');
    });
  });

  const requireSignIn = (req: Request, res: Response, next: express.NextFunction): void => {
    if (signedInUser(req) !== undefined) return next();
    if (req.method === 'GET') return res.redirect(`/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
    res.status(401).type('html').send(errorPage('Please sign in', 'Your session has ended. Sign in and try again.'));
  };

  app.get('/', requireSignIn, (req, res) => {
    const user = signedInUser(req)!;
    res.type('html').send(homePage({ csrfToken: toopher.csrfToken(req), displayName: user.username }));
  });

  app.get('/transfer', requireSignIn, (req, res) => {
    res.type('html').send(transferPage({ csrfToken: toopher.csrfToken(req) }));
  });

  app.post('/transfer', requireSignIn, form, toopher.verifyCsrf, toopher.require('Transfer money'), (req, res) => {
    const amount = formField(req, 'amount');
    const recipient = formField(req, 'recipient');
    if (!/^\d{1,9}(\.\d{1,2})?$/.test(amount) || recipient === '' || recipient.length > 100) {
      res.status(400).type('html').send(transferPage({ csrfToken: toopher.csrfToken(req), error: 'Enter an amount like 12.50 and a recipient.' }));
      return;
    }
    const transfer = transfers.record(signedInUser(req)!.username, amount, recipient);
    res.type('html').send(transferDonePage(transfer));
  });

  // Deliberately public: the demo shows what ran (and that nothing ran twice). A real app would not.
  app.get('/transfers.json', (_req, res) => {
    res.set('Cache-Control', 'no-store').json(transfers.list());
  });

  app.get('/settings', requireSignIn, async (req, res, next) => {
    try {
      const user = signedInUser(req)!;
      const found = await toopherApi.getUsersByName(user.username);
      const toopherUser = found[0];
      const pairings = toopherUser === undefined ? [] : await toopherApi.getUserPairings(toopherUser.id);
      res.type('html').send(
        settingsPage({
          csrfToken: toopher.csrfToken(req),
          toopherEnabled: toopherUser?.toopherAuthenticationEnabled ?? false,
          canTurnOff: config.enrollment === 'optional',
          pairings,
        }),
      );
    } catch (err) {
      next(err);
    }
  });

  app.post('/settings', requireSignIn, form, toopher.verifyCsrf, toopher.require('Change two-factor settings'), async (req, res, next) => {
    try {
      const enabled = formField(req, 'enabled') === 'true';
      if (!enabled && config.enrollment !== 'optional') {
        res.status(403).type('html').send(errorPage('Not allowed', 'This site requires two-factor authentication for every account.'));
        return;
      }
      await toopherApi.setToopherEnabledForUser(signedInUser(req)!.username, enabled);
      res.redirect(303, '/settings');
    } catch (err) {
      next(err);
    }
  });

  // Toopher's own 502/503 page when the second factor could not be checked.
  app.use(toopher.errorHandler);

  app.use((_req, res) => {
    res.status(404).type('html').send(errorPage('Not found', 'There is no page at this address.'));
  });

  // Errors reach here with a status set by passport-toopher (4xx, 502/503) or none (500).
  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    if (status >= 500) console.error('Request failed:', err instanceof Error ? err.message : err);
    const message = status === 503 || status === 502
      ? 'The two-factor service is not answering right now. Please try again in a moment.'
      : status < 500 ? (err instanceof Error ? err.message : 'Bad request.') : 'Something went wrong. Please try again.';
    res.status(status).type('html').send(errorPage(status < 500 ? 'Request refused' : 'Service unavailable', message));
  });

  return { app, transfers, close: closeStore };
}
