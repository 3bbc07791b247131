export * from './postgres.js';
export * from './store-contract.js';
export * from './server-process.js';
export * from './python-stripe.js';
