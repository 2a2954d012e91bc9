import { createOperations } from './lib/client-sides.js';

/**
 * Makes N sequential calls of one Node side of the client-bound benchmarks
 * and exits; run under callgrind by bench/client-instructions.ts.
 *
 *   node build/bench/count-calls.js client|bareGot|leanGot N http://127.0.0.1:PORT
 */
const [kind = 'client', count = '100', origin = ''] = process.argv.slice(2);
const operations = createOperations(origin);
const operation = operations[kind as keyof typeof operations];
if (operation === undefined) throw new Error(`unknown side ${kind}`);
for (let i = 0; i < Number(count); i++) await operation();
