import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startChild } from './lib/child.js';
import { AUTHENTICATION_REQUEST, CREDENTIALS, ID } from './lib/client-sides.js';
import { PYTHON, pythonUnavailable } from './lib/python-client.js';

/**
 * Load-independent companion of the client-bound benchmarks (not part of
 * `npm run bench`; needs valgrind, takes minutes): user-space instructions
 * per call of each client under `valgrind --tool=callgrind`, as the
 * difference between a run of FEW and one of MANY sequential calls, so
 * start-up cancels out. The trivial server runs outside valgrind. Counts do
 * not include kernel time and compare runtimes only loosely.
 *
 *   node build/bench/client-instructions.js [FEW=200] [MANY=1200]
 */
const few = Number(process.argv[2] ?? 200);
const many = Number(process.argv[3] ?? 1200);
const countCalls = fileURLToPath(new URL('./count-calls.js', import.meta.url));
const pythonScript = fileURLToPath(new URL('../../bench/python/requests_oauthlib_client.py', import.meta.url));

function instructions(command: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      const match = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (code !== 0 || match === null) reject(new Error(`valgrind ${command.join(' ')} failed: ${stderr.slice(-400)}`));
      else resolve(Number((match[1] ?? '').replaceAll(',', '')));
    });
  });
}

const server = await startChild<{ url: string }>('trivial-json', { body: AUTHENTICATION_REQUEST });
try {
  const url = server.info.url;
  const statusUrl = `${url}/v1/authentication_requests/${ID}`;
  const sides: [string, (n: number) => string[]][] = [
    ['ToopherApi', (n) => [process.execPath, countCalls, 'client', String(n), url]],
    ['lean got', (n) => [process.execPath, countCalls, 'leanGot', String(n), url]],
    ['bare got', (n) => [process.execPath, countCalls, 'bareGot', String(n), url]],
  ];
  const missing = pythonUnavailable();
  if (missing === undefined) {
    sides.push(['Python requests-oauthlib', (n) => [PYTHON, pythonScript, statusUrl, CREDENTIALS.consumerKey, CREDENTIALS.consumerSecret, ID, String(n)]]);
  } else {
    console.log(`Python side skipped: ${missing}`);
  }
  for (const [label, command] of sides) {
    const perCall = ((await instructions(command(many))) - (await instructions(command(few)))) / (many - few);
    console.log(`${label}: ${(perCall / 1e6).toFixed(2)} M instructions per call`);
  }
} finally {
  await server.stop();
}
