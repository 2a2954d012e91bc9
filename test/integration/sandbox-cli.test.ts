import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { signedApi } from '../helpers/sign-request.js';

// build/test/integration/x.js -> build/src/sandbox/cli.js
const CLI = resolve(fileURLToPath(import.meta.url), '../../../src/sandbox/cli.js');

/** Reads stdout until `pattern` matches, or fails after a deadline. */
async function waitForOutput(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let output = '';
  const deadline = AbortSignal.timeout(10_000);
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = pattern.exec(output);
      if (match !== null) {
        child.stdout?.off('data', onData);
        resolvePromise(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`CLI exited with ${String(code)} before printing ${String(pattern)}: ${output}`)));
    deadline.addEventListener('abort', () => reject(new Error(`CLI did not print ${String(pattern)}: ${output}`)));
  });
}

test('starts on a free port, prints both URLs, serves signed requests and exits cleanly on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--consumer-key', 'cli-key', '--consumer-secret', 'cli-secret'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const match = await waitForOutput(child, /API: (http:\/\/127\.0\.0\.1:\d+\/v1)\n[\s\S]*Phone page: +(http:\/\/\S+\/phone)\n[\s\S]*Control token: +(\S+) /);
  const apiUrl = match[1] ?? '';
  const phoneUrl = match[2] ?? '';
  const api = signedApi(apiUrl, { consumerKey: 'cli-key', consumerSecret: 'cli-secret' });
  assert.equal((await api.post('users/create', { name: 'u' })).status, 200);
  assert.equal((await fetch(phoneUrl)).status, 200);
  // The printed token lets a non-JSON POST (curl -X POST) through to the control API.
  const root = apiUrl.replace(/\/v1$/, '');
  assert.equal((await fetch(`${root}/sandbox/pairing_phrases`, { method: 'POST' })).status, 415);
  assert.equal((await fetch(`${root}/sandbox/pairing_phrases`, { method: 'POST', headers: { 'x-sandbox-token': match[3] ?? '' } })).status, 200);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.deepEqual([code, signal], [0, null]);
});

test('prints random credentials when none are given and stops on SIGINT', async (t) => {
  const child = spawn(process.execPath, [CLI], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  const match = await waitForOutput(child, /API: (\S+)\n[\s\S]*Consumer key: +(\S+)\n[\s\S]*Consumer secret: +(\S+)\n/);
  const api = signedApi(match[1] ?? '', { consumerKey: match[2] ?? '', consumerSecret: match[3] ?? '' });
  assert.equal((await api.get('users', { name: 'u' })).status, 200);
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  assert.equal(((await exited) as [number | null])[0], 0);
});

test('documents every flag in --help', () => {
  const result = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
  assert.equal(result.status, 0);
  for (const flag of ['--port', '--host', '--consumer-key', '--consumer-secret', '--pending-timeout-ms', '--pairing-timeout-ms', '--help']) {
    assert.match(result.stdout, new RegExp(flag), flag);
  }
});

test('exits with status 2 and a hint on an unknown flag or a bad port', () => {
  for (const args of [['--bogus'], ['--port', 'abc'], ['--port', '70000']]) {
    const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    assert.equal(result.status, 2, args.join(' '));
    assert.match(result.stderr, /--help/);
  }
});
