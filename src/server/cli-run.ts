import { ToopherConfigError } from '../errors.js';
import { SandboxError } from '../sandbox/sandbox-error.js';
import { type CliCommand, type CliStorage, CliUsageError, type Environment, parseCli, type StartCommand } from './config.js';
import type { ToopherServer, ToopherServerOptions } from './index.js';
import { auditRecorder } from './posture/audit.js';
import { createLogger, jsonLinesSink, type Logger } from './posture/logger.js';
import { requesterAdmin } from './requesters.js';
import type { OpenedState } from './state.js';
import type { ServerStorage } from './options.js';

/** Everything `runCli` touches outside itself (bin/cli.ts passes the real ones; tests their own). */
export interface CliIo {
  readonly env: Environment;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly readFile: (path: string) => Promise<Buffer>;
  readonly startServer: (options: ToopherServerOptions) => Promise<ToopherServer>;
  readonly openState: (storage: ServerStorage) => Promise<Pick<OpenedState, 'state' | 'audit' | 'close'>>;
  /** Called once the server runs: install the signal handlers (`handleSignals`). */
  readonly serve: (server: ToopherServer, log: Logger) => void;
}

const USAGE_HINT = 'Run toopher-server --help for usage.';

/** Names the storage without credentials (a Redis URL may carry a password). */
export function describeStorage(storage: CliStorage): string {
  if ('sqlite' in storage) return `sqlite ${storage.sqlite}`;
  const url = URL.canParse(storage.redisUrl) ? new URL(storage.redisUrl) : undefined;
  return url === undefined ? 'redis' : `redis ${url.protocol}//${url.hostname}${url.port === '' ? '' : `:${url.port}`}`;
}

async function start(command: StartCommand, io: CliIo): Promise<undefined> {
  const sink = jsonLinesSink(io.out);
  const log = createLogger(sink);
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (command.tlsFiles !== undefined) {
    const read = async (flag: string, path: string): Promise<Buffer> => {
      try {
        return await io.readFile(path);
      } catch (err) {
        throw new CliUsageError(`cannot read ${flag} ${path}: ${(err as { code?: string }).code ?? String(err)}`);
      }
    };
    tls = { cert: await read('--tls-cert', command.tlsFiles.cert), key: await read('--tls-key', command.tlsFiles.key) };
  }
  const server = await io.startServer({ ...command.options, ...(tls === undefined ? {} : { tls }), log: sink });
  log.info('toopher-server started', {
    url: server.url,
    apiUrl: server.apiUrl,
    appUrl: server.appUrl,
    storage: describeStorage(command.options.storage),
  });
  io.serve(server, log);
  return undefined;
}

type RequestersCommand = Exclude<CliCommand, StartCommand | { readonly command: 'help' }>;

async function requesters(command: RequestersCommand, io: CliIo): Promise<number> {
  const log = createLogger(jsonLinesSink(io.err));
  const opened = await io.openState(command.storage);
  try {
    const admin = requesterAdmin(opened.state, auditRecorder(opened.audit, log));
    const unaudited = (): number => {
      io.err('toopher-server: the change was made but could not be written to the audit log (see the error above).\n');
      return 1;
    };
    switch (command.command) {
      case 'requesters create': {
        const { value: made, audited } = await admin.create(command.name);
        io.out(
          `Requester ${JSON.stringify(made.name)} created.\n` +
            `Consumer key:    ${made.key}\n` +
            `Consumer secret: ${made.secret}\n\n` +
            'Store the consumer secret now (e.g. in your app\'s secret store): it is not shown again.\n' +
            `If it is lost, make a new one with: toopher-server requesters rotate ${made.key}\n`,
        );
        return audited ? 0 : unaudited();
      }
      case 'requesters list': {
        const list = await admin.list();
        if (command.json) io.out(`${JSON.stringify(list)}\n`);
        else if (list.length === 0) io.out('No requesters yet: toopher-server requesters create --name <name>\n');
        else io.out(list.map((r) => `${r.key}\t${r.id}\t${r.name}\n`).join(''));
        return 0;
      }
      case 'requesters rotate': {
        const { value: rotated, audited } = await admin.rotate(command.key);
        io.out(
          `New consumer secret for ${rotated.key} (${JSON.stringify(rotated.name)}): ${rotated.secret}\n\n` +
            'The old secret no longer works. Store this one now: it is not shown again.\n',
        );
        return audited ? 0 : unaudited();
      }
      case 'requesters delete': {
        const { audited } = await admin.delete(command.key);
        io.out(`Requester ${command.key} deleted.\n`);
        return audited ? 0 : unaudited();
      }
    }
  } catch (err) {
    if (err instanceof SandboxError && err.status === 404 && 'key' in command) {
      io.err(`toopher-server: no requester has the consumer key ${JSON.stringify(command.key)} (see: toopher-server requesters list)\n`);
      return 1;
    }
    throw err;
  } finally {
    await opened.close();
  }
}

/**
 * Runs one `toopher-server` command. Resolves to the exit code, or `undefined` while `start` keeps the
 * server running. Usage and configuration errors exit with 2, anything else with 1.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number | undefined> {
  try {
    const command = parseCli(argv, io.env);
    if (command.command === 'help') {
      io.out(command.text);
      return 0;
    }
    if (command.command === 'start') return await start(command, io);
    return await requesters(command, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`toopher-server: ${err.message}\n${USAGE_HINT}\n`);
      return 2;
    }
    if (err instanceof ToopherConfigError) {
      io.err(`toopher-server: ${err.message}\n`);
      return 2;
    }
    io.err(`toopher-server: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
