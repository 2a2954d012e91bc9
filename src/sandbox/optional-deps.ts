import { ToopherError } from '../errors.js';
import { isModuleMissing } from '../internal/module-missing.js';

type QrCode = typeof import('qrcode');
type Otplib = typeof import('otplib');

/**
 * qrcode and otplib serve only the sandbox, so they are optional peer
 * dependencies: a production install of the middleware leaves them out.
 * `createSandbox()` loads them once and names the install step when one is
 * missing; the store and routes then use them synchronously.
 */
let loaded: { readonly qrcode: QrCode; readonly otplib: Otplib } | undefined;

export const SANDBOX_INSTALL_HINT = 'npm install --save-dev qrcode otplib';

async function load<T>(name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    if (!isModuleMissing(err, name)) throw err;
    throw new ToopherError(
      `passport-toopher/sandbox needs the package "${name}" (qrcode and otplib serve only the sandbox, so a production install leaves them out). Install them where you run the sandbox: ${SANDBOX_INSTALL_HINT}`,
      { cause: err },
    );
  }
}

/** Loads qrcode and otplib, or rejects with the install step. */
export async function loadSandboxDependencies(): Promise<void> {
  if (loaded !== undefined) return;
  const [qrcode, otplib] = await Promise.all([load('qrcode', () => import('qrcode')), load('otplib', () => import('otplib'))]);
  loaded = { qrcode, otplib };
}

function get(): { readonly qrcode: QrCode; readonly otplib: Otplib } {
  if (loaded === undefined) throw new ToopherError('passport-toopher/sandbox: call createSandbox() first (it loads qrcode and otplib).');
  return loaded;
}

export function qrcode(): QrCode {
  return get().qrcode;
}

export function otplib(): Otplib {
  return get().otplib;
}
