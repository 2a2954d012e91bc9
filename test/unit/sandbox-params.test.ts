import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Params, parseLenientBoolean } from '../../src/sandbox/params.js';
import { SandboxError } from '../../src/sandbox/sandbox-error.js';

test('parses booleans leniently in any case', () => {
  for (const v of ['true', 'True', 'TRUE', '1', 'yes', 'Yes', true, 1]) assert.equal(parseLenientBoolean(v), true, String(v));
  for (const v of ['false', 'False', '0', 'no', 'NO', false, 0]) assert.equal(parseLenientBoolean(v), false, String(v));
  for (const v of ['', 'maybe', '2', 2, null, undefined, {}]) assert.equal(parseLenientBoolean(v), undefined, JSON.stringify(v));
});

test('treats empty strings as absent and takes the first present alias', () => {
  const params = new Params(new Map([['pairing_id', ''], ['terminal_name_extra', 'old'], ['name', 'n']]));
  assert.equal(params.optional('pairing_id'), undefined);
  assert.equal(params.optional('requester_specified_terminal_id', 'terminal_name_extra'), 'old');
  assert.equal(params.required('name', 'terminal_name'), 'n');
});

test('answers 400 naming the parameter when a required one is missing or a boolean is invalid', () => {
  const params = new Params(new Map([['automation_allowed', 'sometimes']]));
  assert.throws(() => params.required('user_name'), (err: unknown) =>
    err instanceof SandboxError && err.status === 400 && err.message === 'Missing required parameter: user_name');
  assert.throws(() => params.boolean('automation_allowed'), { status: 400, toopherCode: 400 });
});
