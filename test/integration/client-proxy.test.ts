import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { ToopherApi, ToopherConfigError, ToopherNetworkError } from '../../src/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { close, listen } from '../helpers/listen.js';
import { toopherJson } from '../helpers/scripted-server.js';

/**
 * Outbound proxy, own agents and extra CA certificates (ecosystem issue 12 §5):
 * real HTTP(S) on 127.0.0.1 against the sandbox (which verifies every
 * signature) or a small HTTPS server with a test certificate.
 */

const FIXTURES = new URL('../../../test/helpers/fixtures/', import.meta.url);
const TEST_CA = readFileSync(new URL('test-ca-cert.pem', FIXTURES), 'utf8');
const TEST_KEY = readFileSync(new URL('test-ca-key.pem', FIXTURES), 'utf8');

/** A forward proxy that only tunnels (CONNECT), recording each target and the Proxy-Authorization it got. */
async function startConnectProxy(): Promise<{ url: string; tunnels: { target: string; auth: string | undefined }[]; stop(): Promise<void> }> {
  const tunnels: { target: string; auth: string | undefined }[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    tunnels.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    const [host = '', port = ''] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  const url = await listen(server);
  return {
    url,
    tunnels,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await close(server);
    },
  };
}

test('calls the API through the `proxy` with CONNECT, signed for the API URL', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const proxy = await startConnectProxy();
  t.after(() => proxy.stop());
  const proxied = `http://toopher:s3cret@${new URL(proxy.url).host}`;
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl, proxy: proxied });
  // The sandbox answers a wrong signature with 401: an empty list means it verified ours.
  assert.deepEqual(await api.getUsersByName('nobody-here'), []);
  const user = await api.createUser('proxied-user');
  assert.equal(user.name, 'proxied-user');
  const { host } = new URL(sandbox.url);
  assert.ok(proxy.tunnels.length >= 1);
  for (const tunnel of proxy.tunnels) {
    assert.equal(tunnel.target, host);
    assert.equal(tunnel.auth, `Basic ${Buffer.from('toopher:s3cret').toString('base64')}`);
  }
});

test('fails closed with a ToopherNetworkError when the proxy is down', async () => {
  const server = createServer();
  const url = await listen(server);
  await close(server);
  const api = new ToopherApi({ consumerKey: 'key', consumerSecret: 'secret', baseUrl: 'http://127.0.0.1:9/v1', proxy: url, retry: 0 });
  await assert.rejects(api.getUser('u1'), ToopherNetworkError);
});

test('uses the caller\'s own `agent`', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  let connections = 0;
  class CountingAgent extends HttpAgent {
    override createConnection(...args: Parameters<HttpAgent['createConnection']>): ReturnType<HttpAgent['createConnection']> {
      connections++;
      return super.createConnection(...args);
    }
  }
  const agent = new CountingAgent({ keepAlive: true });
  t.after(() => agent.destroy());
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl, agent: { http: agent } });
  await api.getUsersByName('nobody-here');
  await api.getUsersByName('nobody-here');
  assert.equal(connections, 1);
});

test('trusts the extra certificates in `ca`, and only then', async (t) => {
  const server = createHttpsServer({ key: TEST_KEY, cert: TEST_CA }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(toopherJson.user()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => close(server));
  const baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const options = { consumerKey: 'key', consumerSecret: 'secret', baseUrl, retry: 0 };
  const refused = await new ToopherApi(options).getUser('u1').then(
    () => assert.fail('a certificate no root signed was accepted'),
    (error: unknown) => error,
  );
  assert.ok(refused instanceof ToopherNetworkError);
  assert.equal(refused.unreachable, false);
  const user = await new ToopherApi({ ...options, ca: TEST_CA }).getUser('u1');
  assert.equal(user.name, 'jdoe');
  const viaList = await new ToopherApi({ ...options, ca: [Buffer.from(TEST_CA)] }).getUser('u1');
  assert.equal(viaList.name, 'jdoe');
});

test('refuses `proxy` or `ca` together with `agent`, and a proxy that is not an http(s) URL', () => {
  const base = { consumerKey: 'key', consumerSecret: 'secret', baseUrl: 'http://127.0.0.1:9/v1' };
  const agent = { http: new HttpAgent() };
  const refused = (options: object, pattern: RegExp): void => {
    assert.throws(() => new ToopherApi({ ...base, ...options }), (error: unknown) => error instanceof ToopherConfigError && pattern.test(error.message));
  };
  refused({ agent, proxy: 'http://127.0.0.1:3128' }, /`proxy` cannot be combined with `agent`/);
  refused({ agent, ca: TEST_CA }, /`ca` cannot be combined with `agent`/);
  refused({ proxy: 'socks5://127.0.0.1:1080' }, /`proxy` must be an http\(s\) URL/);
  refused({ ca: [] }, /`ca`/);
  refused({ agent: { http: {} } }, /`agent.http`/);
});
