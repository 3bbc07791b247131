export * from './device.js';
export * from './protocol.js';
