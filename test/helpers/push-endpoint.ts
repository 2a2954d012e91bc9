import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { close, listen } from './listen.js';

/**
 * A push service on 127.0.0.1 standing in for FCM/Mozilla/Apple in tests. It
 * hands out subscriptions the way a browser would (P-256 key pair, 16-byte
 * auth secret, an endpoint on itself), and checks each message independently
 * of web-push: the VAPID JWT (RFC 8292) with node:crypto, and the aes128gcm
 * body (RFC 8291 over RFC 8188) decrypted with the subscription's private key.
 */

export interface TestPushSubscription {
  readonly id: string;
  /** What `PushSubscription.toJSON()` would give a page. */
  readonly json: { readonly endpoint: string; readonly expirationTime: null; readonly keys: { readonly p256dh: string; readonly auth: string } };
}

export interface ReceivedPushMessage {
  readonly subscriptionId: string;
  /** The decrypted plaintext. */
  readonly payload: string;
  readonly ttl: number;
  readonly urgency: string | undefined;
  readonly claims: { readonly aud: string; readonly exp: number; readonly sub: string };
}

/** accept: 201; gone: 410; not-found: 404; hang: never answers. */
export type PushEndpointBehaviour = 'accept' | 'gone' | 'not-found' | 'hang';

export interface PushEndpoint {
  readonly origin: string;
  /** A new subscription bound to `applicationServerKey` (the server's VAPID public key). */
  subscribe(applicationServerKey: string): TestPushSubscription;
  setBehaviour(subscriptionId: string, behaviour: PushEndpointBehaviour): void;
  /** Messages that passed every check, in arrival order. */
  readonly messages: readonly ReceivedPushMessage[];
  /** Why refused messages were refused. */
  readonly rejections: readonly string[];
  /** Requests received, whatever happened to them. */
  readonly requestCount: number;
  close(): Promise<void>;
}

interface Subscription {
  readonly ecdh: ECDH;
  readonly auth: Buffer;
  readonly applicationServerKey: string;
  behaviour: PushEndpointBehaviour;
}

class Refusal extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const MAX_BODY_BYTES = 8192;

function publicKeyFromRaw(raw: Buffer): ReturnType<typeof createPublicKey> {
  if (raw.length !== 65 || raw[0] !== 0x04) throw new Refusal(401, 'k is not an uncompressed P-256 point');
  const jwk = { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') };
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** RFC 8292 §3: `Authorization: vapid t=<JWT>, k=<key>`; returns the JWT claims. */
export function verifyVapidHeader(header: string | undefined, expectedKey: string, audience: string, nowSeconds: number): ReceivedPushMessage['claims'] {
  const match = /^vapid (.+)$/.exec(header ?? '');
  if (match === null) throw new Refusal(401, 'no vapid Authorization header');
  const params = new Map(
    (match[1] ?? '').split(',').map((part) => {
      const [name = '', ...rest] = part.trim().split('=');
      return [name, rest.join('=')] as const;
    }),
  );
  const token = params.get('t') ?? '';
  const key = params.get('k') ?? '';
  const [encodedHeader = '', encodedClaims = '', signature = '', ...extra] = token.split('.');
  if (extra.length > 0 || signature === '') throw new Refusal(401, 't is not a JWS compact serialization');
  const jose = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { alg?: unknown };
  if (jose.alg !== 'ES256') throw new Refusal(401, 'JWT alg is not ES256');
  const valid = verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), { key: publicKeyFromRaw(Buffer.from(key, 'base64url')), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  if (!valid) throw new Refusal(401, 'JWT signature does not verify with k');
  if (key !== expectedKey) throw new Refusal(403, 'k is not the applicationServerKey of the subscription');
  const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as { aud?: unknown; exp?: unknown; sub?: unknown };
  if (claims.aud !== audience) throw new Refusal(401, `JWT aud is not ${audience}`);
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds || claims.exp > nowSeconds + 24 * 3600) throw new Refusal(401, 'JWT exp is not within the next 24 hours');
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) throw new Refusal(401, 'JWT sub is not a mailto: or https: URL');
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

/** RFC 8291 §3.4 + RFC 8188 §2: decrypts a single-record aes128gcm body. */
export function decryptAes128gcm(body: Buffer, receiver: ECDH, authSecret: Buffer): string {
  if (body.length < 21 + 65 + 17) throw new Refusal(400, 'body too short for aes128gcm');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20] ?? 0;
  if (keyIdLength !== 65) throw new Refusal(400, 'keyid is not a 65-byte sender public key');
  const senderPublic = body.subarray(21, 86);
  const record = body.subarray(86);
  if (record.length > recordSize) throw new Refusal(400, 'more than one record');
  const receiverPublic = receiver.getPublicKey();
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiverPublic, senderPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', receiver.computeSecret(senderPublic), authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - 16));
  const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Refusal(400, 'last record lacks the 0x02 delimiter');
  return padded.subarray(0, end).toString('utf8');
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Refusal(413, 'body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function startPushEndpoint(): Promise<PushEndpoint> {
  const subscriptions = new Map<string, Subscription>();
  const messages: ReceivedPushMessage[] = [];
  const rejections: string[] = [];
  let requestCount = 0;
  let origin = '';

  async function receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requestCount++;
    const id = /^\/push\/([\w-]+)$/.exec(req.url ?? '')?.[1] ?? '';
    const subscription = subscriptions.get(id);
    if (req.method !== 'POST' || subscription === undefined) throw new Refusal(404, 'no such subscription');
    const body = await readBody(req);
    if (subscription.behaviour === 'hang') return;
    if (subscription.behaviour === 'gone') throw new Refusal(410, 'subscription expired');
    if (subscription.behaviour === 'not-found') throw new Refusal(404, 'subscription unknown');
    const ttl = Number(req.headers['ttl']);
    if (req.headers['ttl'] === undefined || !Number.isInteger(ttl) || ttl < 0) throw new Refusal(400, 'TTL header missing or invalid');
    if (req.headers['content-encoding'] !== 'aes128gcm') throw new Refusal(415, 'Content-Encoding is not aes128gcm');
    const claims = verifyVapidHeader(req.headers.authorization, subscription.applicationServerKey, origin, Math.floor(Date.now() / 1000));
    let payload: string;
    try {
      payload = decryptAes128gcm(body, subscription.ecdh, subscription.auth);
    } catch (err) {
      throw err instanceof Refusal ? err : new Refusal(400, 'body does not decrypt');
    }
    messages.push({ subscriptionId: id, payload, ttl, urgency: req.headers['urgency'] as string | undefined, claims });
    res.writeHead(201, { location: `/message/${randomBytes(8).toString('hex')}` }).end();
  }

  const server = createServer((req, res) => {
    receive(req, res).catch((err: unknown) => {
      const refusal = err instanceof Refusal ? err : new Refusal(500, String(err));
      if (refusal.status !== 404 && refusal.status !== 410) rejections.push(refusal.message);
      if (!res.headersSent) res.writeHead(refusal.status, { 'content-type': 'text/plain' }).end(refusal.message);
    });
  });
  origin = await listen(server);

  return {
    origin,
    subscribe(applicationServerKey: string): TestPushSubscription {
      const id = randomBytes(12).toString('base64url');
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      subscriptions.set(id, { ecdh, auth, applicationServerKey, behaviour: 'accept' });
      const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: auth.toString('base64url') };
      return { id, json: { endpoint: `${origin}/push/${id}`, expirationTime: null, keys } };
    },
    setBehaviour(subscriptionId: string, behaviour: PushEndpointBehaviour): void {
      const subscription = subscriptions.get(subscriptionId);
      if (subscription === undefined) throw new Error(`no subscription ${subscriptionId}`);
      subscription.behaviour = behaviour;
    },
    messages,
    rejections,
    get requestCount(): number {
      return requestCount;
    },
    close: () => close(server),
  };
}
