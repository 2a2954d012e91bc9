/**
 * Child side of the benchmark servers (see child.ts): read the JSON argument,
 * report readiness, answer commands, exit cleanly on SIGTERM.
 */

export type CommandHandler = (args: unknown) => unknown;

/** The JSON argument the parent passed to this child. */
export function childArgs<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** Tells the parent the server is ready and starts answering `commands` (plus `cpu`: `process.cpuUsage()`). */
export function serveChild(info: unknown, commands: Readonly<Record<string, CommandHandler>> = {}): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('bench servers must be started by bench/run.js (no IPC channel)');
  process.on('message', (message: { id: number; command: string; args: unknown }) => {
    const handler = message.command === 'cpu' ? () => process.cpuUsage() : commands[message.command];
    if (handler === undefined) {
      send({ id: message.id, error: `unknown command ${message.command}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args))
      .then(
        (result) => send({ id: message.id, result: result ?? null }),
        (err: unknown) => send({ id: message.id, error: err instanceof Error ? err.message : String(err) }),
      );
  });
  process.once('SIGTERM', () => process.exit(0));
  process.once('disconnect', () => process.exit(0));
  send({ type: 'ready', info });
}
