/**
 * Tap to Pay domain rules: phones as readers. Pure functions over facts passed in (device,
 * country, card, amount, PIN environment, UX configuration); no I/O, clock or randomness.
 * Rules, codes and choices: docs/tap-to-pay.md.
 */
export * from './codes.js';
export * from './ios-releases.js';
export * from './device.js';
export * from './countries.js';
export * from './cards.js';
export * from './cvm.js';
export * from './pin-environment.js';
export * from './ux-configuration.js';
