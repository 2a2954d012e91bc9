/**
 * `npm start`: the example app on PORT (3000) with an embedded Toopher sandbox on
 * SANDBOX_PORT (3001), unless TOOPHER_API_URL points at another Toopher API.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createSandbox, type Sandbox } from 'passport-toopher/sandbox';
import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { UserDirectory } from './users.js';

/** An EADDRINUSE error becomes one that names the variable choosing the port. */
function explainPortClash(err: unknown, variable: string, what: string, port: number): unknown {
  if ((err as { code?: unknown } | null)?.code !== 'EADDRINUSE') return err;
  return new Error(
    `port ${port} (${what}) is already in use, perhaps by another \`npm start\`. Set ${variable} to a free port, e.g. ${variable}=${port + 10} npm start (0 picks any free port).`,
  );
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, () => randomBytes(32).toString('base64url'));
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }

  let sandbox: Sandbox | undefined;
  let api = config.toopherApi;
  if (api === undefined) {
    sandbox = await createSandbox({ host: config.host, port: config.sandboxPort }).catch((err: unknown) => {
      throw explainPortClash(err, 'SANDBOX_PORT', 'the embedded Toopher sandbox', config.sandboxPort);
    });
    api = { baseUrl: sandbox.apiUrl, consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret };
  }

  const { app, close: closeApp } = await createApp({
    config,
    api,
    users: await UserDirectory.withDemoUsers(),
  });
  const server: Server = app.listen(config.port, config.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  }).catch(async (err: unknown) => {
    await sandbox?.close();
    throw explainPortClash(err, 'PORT', 'the example app', config.port);
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;

  console.log(`Example app:      http://${config.host}:${port}/`);
  if (sandbox !== undefined) console.log(`Sandbox phone:    ${sandbox.url}/phone`);
  else console.log(`Toopher API:      ${api.baseUrl}`);
  console.log(`Demo users:       alice / demo-password, bob / demo-password`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close();
    void Promise.allSettled([closeApp(), sandbox?.close()]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error('The example app could not start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
