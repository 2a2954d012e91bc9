import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import express, { type Express, type Request, type RequestHandler } from 'express';
import session, { MemoryStore, type Store } from 'express-session';
import passportModule from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { createToopher, type Toopher, type ToopherApi, type ToopherApiOptions, type ToopherOptions } from '../../src/index.js';

/**
 * The app the benchmarks and the load test drive: Express 5,
 * express-session, a Passport instance with passport-local as the first
 * factor and (variant `toopher`) passport-toopher as the second. Variant
 * `plain` is the same app without `app.use(toopher)` and the strategy: the
 * baseline of `middleware_passthrough`.
 *
 * Routes: `GET /` and `GET /public` (unguarded JSON), `POST /login`
 * (password, then Toopher), `POST /login-password` (password only), the
 * same two with a real password hash as `POST /login-hashed` and
 * `POST /login-password-hashed` (scrypt, as example-app/users.ts does),
 * `GET /report` (unguarded) and `GET /report-guarded` (approval covers 10
 * minutes), `GET /transfer` (its form) and `POST /transfer` (guarded, every request asks),
 * `GET /bench/session-bytes` (serialized size of this package's session state).
 */

export const BENCH_SECRET = 'bench-secret-bench-secret-bench-secret-0123';
export const BENCH_SESSION_COOKIE = 'bench.sid';

export interface BenchUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
}

/** `count` users: `user<i>@example.com` with password `pw-<i>`. */
export function benchUsers(count: number, prefix = 'user'): BenchUser[] {
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}${String(i).padStart(5, '0')}`;
    return { id, email: `${id}@example.com`, password: `pw-${id}` };
  });
}

export interface BenchAppOptions {
  readonly variant: 'toopher' | 'plain';
  readonly api?: ToopherApi | ToopherApiOptions;
  readonly users: readonly BenchUser[];
  readonly store?: Store;
  /** Extra createToopher options (e.g. `failMode`, `pollIntervalMs`). */
  readonly toopher?: Partial<ToopherOptions<BenchUser>>;
}

export interface BenchApp {
  readonly app: Express;
  readonly toopher: Toopher<BenchUser> | undefined;
  /** Runs of the guarded `POST /transfer` handler: user email and amount. */
  readonly transfers: { readonly user: string; readonly amount: string }[];
}

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
/** The parameters of example-app/users.ts: Node's scrypt defaults (N 16384, r 8, p 1), 32-byte key, 16-byte salt, NFKC. */
const KEY_LENGTH = 32;

function hashPassword(password: string, salt: Buffer): Promise<Buffer> {
  return scryptAsync(password.normalize('NFKC'), salt, KEY_LENGTH);
}

/**
 * Users' stored scrypt hashes, made on first use (hashing a thousand users
 * at start-up would take a minute); the benchmark signs each user in once
 * before it measures, so measured sign-ins only verify.
 */
class HashedPasswords {
  private readonly _stored = new Map<string, Promise<{ readonly salt: Buffer; readonly hash: Buffer }>>();

  async verify(user: BenchUser, password: string): Promise<boolean> {
    let stored = this._stored.get(user.id);
    if (stored === undefined) {
      const salt = randomBytes(16);
      stored = hashPassword(user.password, salt).then((hash) => ({ salt, hash }));
      this._stored.set(user.id, stored);
    }
    const { salt, hash } = await stored;
    return timingSafeEqual(await hashPassword(password, salt), hash);
  }
}

function signedIn(req: Request): BenchUser | undefined {
  return req.isAuthenticated() ? (req.user as BenchUser) : undefined;
}

export function createBenchApp(options: BenchAppOptions): BenchApp {
  const byEmail = new Map(options.users.map((u) => [u.email, u]));
  const byId = new Map(options.users.map((u) => [u.id, u]));
  const passport = new passportModule.Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      const user = byEmail.get(email);
      done(null, user !== undefined && user.password === password ? user : false);
    }),
  );
  // The same check with a real password hash: what an app's password sign-in costs.
  const hashed = new HashedPasswords();
  passport.use(
    'local-hashed',
    new LocalStrategy({ usernameField: 'email' }, (email, password, done) => {
      const user = byEmail.get(email);
      if (user === undefined) {
        done(null, false);
        return;
      }
      hashed.verify(user, password).then((ok) => done(null, ok ? user : false), (err: unknown) => done(err));
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as BenchUser).id));
  passport.deserializeUser((id: string, done) => done(null, byId.get(id) ?? false));

  let toopher: Toopher<BenchUser> | undefined;
  if (options.variant === 'toopher') {
    if (options.api === undefined) throw new Error('the toopher variant needs `api`');
    toopher = createToopher<BenchUser>({
      api: options.api,
      userName: (user) => user.email,
      secret: BENCH_SECRET,
      passport,
      onWarning: () => undefined,
      ...options.toopher,
    });
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    session({
      name: BENCH_SESSION_COOKIE,
      secret: 'bench-session-secret',
      resave: false,
      saveUninitialized: false,
      store: options.store ?? new MemoryStore(),
    }),
  );
  app.use(passport.session());
  if (toopher !== undefined) {
    app.use(toopher);
    passport.use(toopher.strategy);
  }

  const form = express.urlencoded({ extended: false, limit: '32kb' });
  const transfers: BenchApp['transfers'] = [];
  const report = (req: Request, res: express.Response): void => {
    res.json({ report: true, user: signedIn(req)?.email ?? null, year: req.query['year'] ?? null });
  };

  app.get('/', (req, res) => {
    res.json({ user: signedIn(req)?.email ?? null });
  });
  app.get('/public', (req, res) => {
    res.json({ public: true, user: signedIn(req)?.email ?? null });
  });
  app.post('/login-password', form, passport.authenticate('local', { successRedirect: '/', failureRedirect: '/?bad=1' }) as RequestHandler);
  app.post('/login-password-hashed', form, passport.authenticate('local-hashed', { successRedirect: '/', failureRedirect: '/?bad=1' }) as RequestHandler);
  app.get('/report', report);
  if (toopher !== undefined) {
    app.post(
      '/login',
      form,
      passport.authenticate('local', { session: false, failureRedirect: '/?bad=1' }) as RequestHandler,
      passport.authenticate('toopher', { successRedirect: '/', failureRedirect: '/?denied=1' }) as RequestHandler,
    );
    app.post(
      '/login-hashed',
      form,
      passport.authenticate('local-hashed', { session: false, failureRedirect: '/?bad=1' }) as RequestHandler,
      passport.authenticate('toopher', { successRedirect: '/', failureRedirect: '/?denied=1' }) as RequestHandler,
    );
    app.get('/report-guarded', toopher.require('View report', { maxAgeMs: 600_000, automationAllowed: true }), report);
    // The app's own form, carrying the session's CSRF token as guarded POSTs need it.
    app.get('/transfer', (req, res) => {
      res
        .type('html')
        .set('Cache-Control', 'no-store')
        .send(
          `<!doctype html><title>Transfer</title><form id="transfer" method="post" action="/transfer">` +
            `<input type="hidden" name="_csrf" value="${toopher.csrfToken(req)}"><input name="amount"><button>Send</button></form>`,
        );
    });
    app.post('/transfer', form, toopher.require('Transfer money'), (req, res) => {
      const user = signedIn(req);
      const amount = String((req.body as Record<string, unknown>)['amount']);
      transfers.push({ user: user?.email ?? '', amount });
      res.json({ done: true, user: user?.email ?? null, amount });
    });
    app.get('/bench/session-bytes', (req, res) => {
      const bag = req.session as unknown as Record<string, unknown>;
      res.json({
        toopher: Buffer.byteLength(JSON.stringify(bag['toopher'] ?? null)),
        session: Buffer.byteLength(JSON.stringify(req.session)),
        pending: Object.keys((bag['toopher'] as { pending?: object } | undefined)?.pending ?? {}).length,
      });
    });
    app.use(toopher.errorHandler);
  }
  return { app, toopher, transfers };
}
