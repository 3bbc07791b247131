export * from './form.js';
export * from './params.js';
export * from './wire.js';
