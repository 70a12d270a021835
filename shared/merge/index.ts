export * from './canonical-json.js';
export * from './compare-code-points.js';
export * from './measure-json.js';
export * from './lww-register.js';
export * from './lww-map.js';
