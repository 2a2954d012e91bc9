import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ToopherApi } from '../../src/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { BrowserClient } from '../helpers/browser-client.js';
import { makeUsers, startTestApp } from '../helpers/test-app.js';

test('the router serves the iframe relay script, which checks the sender before relaying', async (t) => {
  const sandbox = await createSandbox();
  t.after(() => sandbox.close());
  const api = new ToopherApi({ consumerKey: sandbox.consumerKey, consumerSecret: sandbox.consumerSecret, baseUrl: sandbox.apiUrl });
  const app = await startTestApp({ api, users: makeUsers('relay') });
  t.after(() => app.close());
  const js = await new BrowserClient(app.url).get('/toopher/assets/toopher-iframe.js');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /javascript/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  assert.match(js.body, /event\.origin !== origin \|\| event\.source !== iframe\.contentWindow/);
  assert.match(js.body, /target\.origin !== window\.location\.origin/);
  assert.match(js.body, /'toopher_iframe_data'/);
});
