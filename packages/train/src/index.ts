export * from './activities.js';
export * from './worker.js';
