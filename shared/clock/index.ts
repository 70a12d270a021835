export * from './hlc-codec.js';
export * from './hlc.js';
export * from './node-id.js';
