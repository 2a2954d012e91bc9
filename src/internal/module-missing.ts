/**
 * True when `import(name)` failed because the package is not installed (not because it failed to load):
 * the optional peer dependencies (qrcode, otplib, better-sqlite3, web-push, redis) then get an error naming
 * the install step, while any other failure surfaces as it is.
 */
export function isModuleMissing(err: unknown, name: string): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${name}'`)
  );
}
