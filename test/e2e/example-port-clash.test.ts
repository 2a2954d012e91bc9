import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { repoRoot } from '../helpers/processes.js';

// `npm start` on a port that is taken names the variable to change.

let busy: Server;
let busyPort: number;

before(async () => {
  busy = createServer();
  busy.listen(0, '127.0.0.1');
  await once(busy, 'listening');
  const address = busy.address();
  busyPort = typeof address === 'object' && address !== null ? address.port : 0;
});

after(async () => {
  await new Promise<void>((resolve) => busy.close(() => resolve()));
});

async function startExpectingFailure(env: Readonly<Record<string, string>>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['build/example-app/main.js'], {
    cwd: repoRoot,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

test('a taken PORT stops the example app with a message naming PORT', async () => {
  const { code, output } = await startExpectingFailure({ PORT: String(busyPort), SANDBOX_PORT: '0' });
  assert.equal(code, 1);
  assert.match(output, new RegExp(`port ${busyPort} \\(the example app\\) is already in use.*Set PORT to a free port`));
});

test('a taken SANDBOX_PORT stops the example app with a message naming SANDBOX_PORT', async () => {
  const { code, output } = await startExpectingFailure({ PORT: '0', SANDBOX_PORT: String(busyPort) });
  assert.equal(code, 1);
  assert.match(output, new RegExp(`port ${busyPort} \\(the embedded Toopher sandbox\\) is already in use.*Set SANDBOX_PORT`));
});
