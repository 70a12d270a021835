export * from './primitives.js';
export * from './entities.js';
export * from './page.js';
export * from './requests.js';
export * from './settings.js';
export * from './error-body.js';
export * from './op.js';
