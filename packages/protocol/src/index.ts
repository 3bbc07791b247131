export * from './form.js';
export * from './params.js';
export * from './wire.js';
export * from './reader-screen.js';
export * from './sdk-state.js';
