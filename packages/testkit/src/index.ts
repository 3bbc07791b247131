export * from './postgres.js';
export * from './store-contract.js';
