export * from './outbox.js';
export * from './event-types.js';
export * from './backoff.js';
export * from './signer.js';
export * from './sender.js';
export * from './endpoints.js';
export * from './dispatcher.js';
export * from './events-feed.js';
