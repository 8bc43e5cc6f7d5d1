export * from './check.js';
export * from './production-window.js';
export * from './schedule.js';
