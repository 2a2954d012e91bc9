import { createServer } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy } from 'passport-strategy';
import { ToopherApi, ToopherIframe, createToopher } from 'passport-toopher';
import type { Sandbox } from 'passport-toopher/sandbox';
import { close, listen } from './listen.js';

interface IframeSession {
  pendingUser?: string;
  iframeToken?: string;
}

/**
 * Second factor through the hosted iframe: validates the relayed
 * `toopher_iframe_data` against the session's one-time token (consumed first,
 * so a replay fails) and signs in the user the first factor named.
 */
class ToopherIframeStrategy extends Strategy {
  name = 'toopher-iframe';

  constructor(private readonly _iframe: ToopherIframe) {
    super();
  }

  override authenticate(req: Request): void {
    const state = req.session as unknown as IframeSession;
    const { pendingUser, iframeToken } = state;
    delete state.iframeToken;
    const data: unknown = (req.body as Record<string, unknown> | undefined)?.['toopher_iframe_data'];
    if (pendingUser === undefined || iframeToken === undefined || typeof data !== 'string') {
      this.fail(400);
      return;
    }
    try {
      const result = this._iframe.processPostback(data, { sessionToken: iframeToken });
      const ok = ToopherIframe.isGranted(result) && result.authenticationRequest.user.name === pendingUser;
      if (ok) this.success({ name: pendingUser });
      else this.fail(401);
    } catch {
      this.fail(400);
    }
  }
}

export interface IframeApp {
  readonly url: string;
  readonly postbacks: number[];
  close(): Promise<void>;
}

/** A small app whose second factor is the sandbox's iframe, relayed by the router's toopher-iframe.js. */
export async function startIframeApp(sandbox: Sandbox, users: readonly string[]): Promise<IframeApp> {
  const credentials = { consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl };
  const iframe = new ToopherIframe(credentials);
  const auth = new passport.Passport();
  auth.use(new LocalStrategy({ usernameField: 'user', passwordField: 'password' }, (user, password, done) => {
    done(null, users.includes(user) && password === 'pw' ? { name: user } : false);
  }));
  auth.use(new ToopherIframeStrategy(iframe));
  auth.serializeUser((user, done) => done(null, (user as { name: string }).name));
  auth.deserializeUser((name: string, done) => done(null, { name }));
  const toopher = createToopher({ api: new ToopherApi(credentials), userName: (u: { name: string }) => u.name, secret: 'iframe-app-secret-0123456789abcdef', passport: auth, onWarning: () => undefined });

  const postbacks: number[] = [];
  const app = express();
  app.use(session({ secret: 'iframe-app-session', resave: false, saveUninitialized: false }));
  app.use(auth.session());
  app.use(toopher);
  const form = express.urlencoded({ extended: false, limit: '32kb' });

  app.post('/login', form, auth.authenticate('local', { session: false, failureRedirect: '/login?bad=1' }) as RequestHandler, (req, res) => {
    const state = req.session as unknown as IframeSession;
    state.pendingUser = (req.user as { name: string }).name;
    state.iframeToken = ToopherIframe.newSessionToken();
    res.redirect(303, '/login/toopher');
  });
  app.get('/login/toopher', (req, res) => {
    const state = req.session as unknown as IframeSession;
    if (state.pendingUser === undefined || state.iframeToken === undefined) {
      res.redirect(303, '/login');
      return;
    }
    const src = iframe.authenticationUrl(state.pendingUser, { sessionToken: state.iframeToken });
    const esc = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    res
      .set('Content-Security-Policy', `default-src 'self'; frame-src ${iframe.origin}; script-src 'self'`)
      .type('html')
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Second factor</title>` +
          `<script src="/toopher/assets/toopher-iframe.js" defer></script></head><body><h1>Approve with Toopher</h1>` +
          `<iframe id="toopher_iframe" title="Toopher" width="500" height="400" src="${esc(src)}" data-toopher-origin="${esc(iframe.origin)}" data-toopher-postback="/login/toopher/postback" data-toopher-csrf="${esc(toopher.csrfToken(req))}"></iframe></body></html>`,
      );
  });
  app.post(
    '/login/toopher/postback',
    form,
    (_req, _res, next) => {
      postbacks.push(Date.now());
      next();
    },
    toopher.verifyCsrf,
    auth.authenticate('toopher-iframe', { successRedirect: '/', failureRedirect: '/login?denied=1' }) as RequestHandler,
  );
  app.get('/login', (_req, res) => {
    res.type('html').send('<!doctype html><title>Login</title><h1>Login</h1>');
  });
  app.get('/', (req, res) => {
    res.json({ user: req.isAuthenticated() ? (req.user as { name: string }).name : null });
  });

  const server = createServer(app);
  return { url: await listen(server), postbacks, close: () => close(server) };
}
