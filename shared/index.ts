/**
 * The shared core: imported by client and server, free of I/O and of ambient time (clocks are injected).
 */
export * from './clock/index.js';
export * from './merge/index.js';
export * from './schemas/index.js';
export * from './settings/index.js';
export * from './errors/index.js';
export * from './limits.js';
