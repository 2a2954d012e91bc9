import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PairingDeactivatedError,
  TerminalUnknownError,
  ToopherApiError,
  ToopherConfigError,
  ToopherError,
  ToopherIframeError,
  ToopherNetworkError,
  ToopherResponseError,
  ToopherTimeoutError,
  ToopherUnavailableError,
  UserDisabledError,
  UserUnknownError,
  isToopherApiError,
} from '../../src/index.js';

test('`code` is one string per kind of error; Toopher\'s numeric error_code is `toopherCode`', () => {
  const errors: Array<[ToopherError, string]> = [
    [new ToopherError('x'), 'ERR_TOOPHER'],
    [new ToopherConfigError('x'), 'ERR_TOOPHER_CONFIG'],
    [new ToopherApiError('x', { toopherCode: 42 }), 'ERR_TOOPHER_API'],
    [new UserDisabledError('x', { toopherCode: 704 }), 'ERR_TOOPHER_USER_DISABLED'],
    [new UserUnknownError('x', { toopherCode: 705 }), 'ERR_TOOPHER_USER_UNKNOWN'],
    [new TerminalUnknownError('x', { toopherCode: 706 }), 'ERR_TOOPHER_TERMINAL_UNKNOWN'],
    [new PairingDeactivatedError('x', { toopherCode: 707 }), 'ERR_TOOPHER_PAIRING_DEACTIVATED'],
    [new ToopherNetworkError('x'), 'ERR_TOOPHER_NETWORK'],
    [new ToopherTimeoutError('x'), 'ERR_TOOPHER_TIMEOUT'],
    [new ToopherResponseError('x'), 'ERR_TOOPHER_RESPONSE'],
    [new ToopherUnavailableError(new ToopherTimeoutError('x')), 'ERR_TOOPHER_UNAVAILABLE'],
    [new ToopherIframeError('bad_signature', 'x'), 'ERR_TOOPHER_IFRAME'],
  ];
  for (const [error, code] of errors) {
    assert.equal(typeof error.code, 'string');
    assert.equal(error.code, code, error.name);
  }
  const disabled = new UserDisabledError('x', { toopherCode: 704, status: 409 });
  assert.equal(disabled.toopherCode, 704);
  assert.ok(isToopherApiError(disabled, 704));
  assert.ok(!isToopherApiError(disabled, 705));
  assert.equal(new ToopherTimeoutError('x').toopherCode, undefined);
});
