export * from './check.js';
export * from './production-window.js';
export * from './schedule.js';
export * from './performance-check.js';
export * from './performance-window.js';
export * from './performance-window-postgres.js';
