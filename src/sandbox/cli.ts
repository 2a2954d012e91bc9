#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createRandomConsumer, createSandbox } from './index.js';
import type { SandboxOptions } from './types.js';

const HELP = `Usage: toopher-sandbox [options]

A local emulator of the Toopher v1 API with a simulated phone page.

Options:
  --port <n>                 Port to listen on (default 0: a free port, printed at start)
  --host <address>           Interface to listen on (default 127.0.0.1; the control API is unauthenticated)
  --allowed-host <name>      Another Host name the control API and phone page answer to (repeatable)
  --consumer-key <key>       Requester consumer key (default: random, printed at start)
  --consumer-secret <secret> Requester consumer secret (default: random, printed at start)
  --pending-timeout-ms <n>   Authentication requests still pending after this long time out (default 120000)
  --pairing-timeout-ms <n>   Pairings still pending after this long are denied (default 300000)
  -h, --help                 Show this help and exit

Prints the API base URL (give it to your Toopher client with the key and secret) and the phone page URL.
Runs until Ctrl-C (SIGINT) or SIGTERM.
`;

function fail(message: string): never {
  console.error(`toopher-sandbox: ${message}\nRun toopher-sandbox --help for usage.`);
  process.exit(2);
}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    fail(`--${name} must be an integer from ${min} to ${max}`);
  }
  return Number(value);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allowed-host': { type: 'string', multiple: true },
        'consumer-key': { type: 'string' },
        'consumer-secret': { type: 'string' },
        'pending-timeout-ms': { type: 'string' },
        'pairing-timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}

async function main(): Promise<void> {
  const values = parseCommandLine();
  if (values.help === true) {
    process.stdout.write(HELP);
    return;
  }

  const random = createRandomConsumer();
  const key = values['consumer-key'] ?? random.key;
  const secret = values['consumer-secret'] ?? random.secret;
  if (key === '' || secret === '') fail('--consumer-key and --consumer-secret must not be empty');
  const port = integer('port', values.port, 0, 65535);
  const pendingTimeoutMs = integer('pending-timeout-ms', values['pending-timeout-ms'], 1, 2 ** 31 - 1);
  const pairingTimeoutMs = integer('pairing-timeout-ms', values['pairing-timeout-ms'], 1, 2 ** 31 - 1);
  const options: SandboxOptions = {
    consumers: [{ key, secret }],
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(port === undefined ? {} : { port }),
    ...(values['allowed-host'] === undefined ? {} : { allowedHosts: values['allowed-host'] }),
    ...(pendingTimeoutMs === undefined ? {} : { pendingTimeoutMs }),
    ...(pairingTimeoutMs === undefined ? {} : { pairingTimeoutMs }),
  };

  const sandbox = await createSandbox(options);
  console.log(`Toopher sandbox API: ${sandbox.apiUrl}`);
  console.log(`Phone page:          ${sandbox.url}/phone`);
  console.log(`Consumer key:        ${key}`);
  // The secret is printed only when we made it up; a secret given on the command line is not echoed.
  console.log(`Consumer secret:     ${values['consumer-secret'] === undefined ? secret : '(as given)'}`);
  console.log(`Control token:       ${sandbox.controlToken} (x-sandbox-token header for non-JSON control posts)`);
  console.log('Press Ctrl-C to stop.');

  const stop = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    void sandbox.close().then(() => {
      process.exitCode = 0;
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`toopher-sandbox: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
