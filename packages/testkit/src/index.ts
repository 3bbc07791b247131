export * from './postgres.js';
export * from './store-contract.js';
export * from './server-process.js';
export * from './python-stripe.js';
export * from './conformance/shapes.js';
export { checkResponseBody, type Violation } from './conformance/validate.js';
export * from './haproxy.js';
export * from './cluster.js';
