/**
 * Two toopher-server instances on one Redis, in Chromium: the example app talks to instance A, the
 * phone app is opened on instance B; pairing and a sign-in are decided across them.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { browserPool, expectSignedIn } from '../helpers/e2e-app.js';
import { startRedis } from '../helpers/processes.js';
import { skipUnlessChromium, skipUnlessRedis } from '../helpers/requirements.js';
import { PHONE_CONTEXT, openPhoneApp, pageProblems, pairAndSignIn, startAppOnServer, startServer, withScreenshots } from '../helpers/server-e2e.js';

const skip = skipUnlessChromium() || skipUnlessRedis();
const browsers = browserPool();
after(() => browsers.close());

test('the app on instance A, the phone app on instance B: pairing and sign-in approval through one Redis', { skip }, async (t) => {
  const redis = await startRedis();
  t.after(() => redis.stop());
  const storage = { redisUrl: redis.url, keyPrefix: 'e2e:' };
  const a = await startServer(t, storage);
  const b = await startServer(t, storage);
  const app = await startAppOnServer(t, a);
  const site = await browsers.newPage(t);
  const phone = await browsers.newPage(t, PHONE_CONTEXT);
  const problems = [...pageProblems(site, 'site'), ...pageProblems(phone, 'phone')];
  await withScreenshots('server-redis', { site, phone }, async () => {
    await openPhoneApp(phone, b.appUrl);
    await pairAndSignIn(site, phone, app, 'alice');
    await expectSignedIn(site, app, 'alice');
  });
  assert.deepEqual(problems, []);
});
