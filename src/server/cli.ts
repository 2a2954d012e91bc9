#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { runCli } from './cli-run.js';
import { createToopherServer } from './index.js';
import { handleSignals } from './posture/shutdown.js';
import { openState } from './state.js';

runCli(process.argv.slice(2), {
  env: process.env,
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  readFile: (path) => readFile(path),
  startServer: createToopherServer,
  openState,
  serve: (server, log) => {
    handleSignals(() => server.close(), log);
  },
}).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`toopher-server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
