export * from './canonical-json.js';
export * from './measure-json.js';
export * from './lww-register.js';
export * from './lww-map.js';
