/**
 * Two tiny apps written as a user following the README would: one ESM, one
 * CommonJS, in TypeScript. Each starts Express with the middleware, asks
 * one of its routes and prints a line the test checks.
 */

/** What the README tells users to install, at the versions this repository tests with. */
export const CONSUMER_DEPENDENCIES: Readonly<Record<string, string>> = {
  express: '^5.1.0',
  'express-session': '^1.18.0',
  passport: '^0.7.0',
  '@types/express': '^5.0.0',
  '@types/express-session': '^1.18.0',
  '@types/passport': '^1.0.17',
  '@types/node': '~20.19.0',
};

export const CONSUMER_TSCONFIG = JSON.stringify(
  {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib: ['es2023'],
      types: ['node'],
      strict: true,
      exactOptionalPropertyTypes: true,
      esModuleInterop: true,
      skipLibCheck: false,
      outDir: 'out',
    },
    include: ['app.ts'],
  },
  null,
  2,
);

/** The body shared by both apps; `flavour` is printed. */
function appBody(flavour: string): string {
  return `
interface User {
  readonly email: string;
}

// Any client with sendCommand (node-redis) or call (ioredis) fits RedisSharedStore.
const redis: RedisClientLike = { sendCommand: () => Promise.resolve('OK') };

const app = express();
app.use(session({ secret: 'consumer-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
const toopher = createToopher<User>({
  api: { consumerKey: 'key', consumerSecret: 'secret', baseUrl: 'http://127.0.0.1:9/v1' },
  userName: (user) => user.email,
  secret: 'consumer-cookie-secret-0123456789abcdef',
  passport,
  store: new RedisSharedStore(redis, { prefix: 'consumer:' }),
  onEvent: (event: ToopherEvent) => void event.type,
  onWarning: () => undefined,
});
app.use(toopher);
passport.use(toopher.strategy);
app.post('/transfer', express.urlencoded({ extended: false }), toopher.verifyCsrf, toopher.require('Transfer'), (_req, res) => {
  res.send('done');
});
app.use(toopher.errorHandler);

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  fetch('http://127.0.0.1:' + port + '/toopher/status/unknown')
    .then((res) => {
      console.log('${flavour} status ' + res.status + ' ' + (new ToopherApi({ consumerKey: 'k', consumerSecret: 's', baseUrl: 'http://127.0.0.1:9/v1' }) instanceof ToopherApi) + ' ' + ToopherError.name);
    })
    .finally(() => server.close());
});
`;
}

const IMPORTS = `import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { createToopher, ToopherApi, ToopherError, type ToopherEvent } from 'passport-toopher';
import { RedisSharedStore, type RedisClientLike } from 'passport-toopher/redis';
`;

export const ESM_APP = `${IMPORTS}
// The sandbox is a development tool; without qrcode and otplib it says how to install them.
const { createSandbox } = await import('passport-toopher/sandbox');
await createSandbox().then(
  (sandbox) => sandbox.close().then(() => console.log('sandbox started')),
  (err: unknown) => console.log('sandbox: ' + (err instanceof Error ? err.message : String(err))),
);
${appBody('esm')}`;

export const CJS_APP = `${IMPORTS}${appBody('cjs')}`;
