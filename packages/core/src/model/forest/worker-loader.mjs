// Entry file of a forest worker thread. Worker threads on Node 20 do not
// inherit the parent's module loader hooks (tsx registers its hooks only on
// the main thread, and vitest transforms modules without any hooks), so a
// worker could not import worker.ts directly. This plain module registers
// tsx's TypeScript loader in the worker, then imports the worker code named
// by the parent in workerData.entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
