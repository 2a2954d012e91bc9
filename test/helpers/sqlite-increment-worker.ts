import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBackend } from '../../src/server/storage/sqlite-backend.js';
import { increment, StateReplica } from './state-replica.js';

// A second thread with its own connection to one SQLite file: runs `count` increments of counter/c.
const { path, count } = workerData as { path: string; count: number };
const replica = new StateReplica(await SqliteBackend.open(path));
for (let i = 0; i < count; i += 1) await increment(replica);
await replica.backend.close();
parentPort?.postMessage('done');
