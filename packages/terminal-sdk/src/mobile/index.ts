/**
 * `@opentill/terminal-sdk/mobile`: a Tap to Pay SDK shaped like Stripe's React Native SDK, for a
 * phone (or a browser playing one) that is its own reader (docs/tap-to-pay-sdk.md).
 *
 *   const terminal = createMobileTerminal({ apiBase, tokenProvider, device, installationId, ui: new DomTapToPayUi(document.body) });
 *   await terminal.initialize();
 *   await terminal.discoverReaders({ discoveryMethod: 'tapToPay', simulated: true });
 *   await terminal.connectReader({ discoveryMethod: 'tapToPay', reader: terminal.discoveredReaders[0]!, locationId });
 *   const { paymentIntent } = await terminal.retrievePaymentIntent(clientSecret);
 *   const result = await terminal.processPaymentIntent({ paymentIntent: paymentIntent! });
 */
export { createMobileTerminal, MobileTerminal, notInitializedMessage } from './terminal.js';
export { ErrorCode, stripeError } from './errors.js';
export { ScriptedTapToPayUi, simulatorDefaultCard, type ScriptedPin, type ScriptedTap } from './scripted-ui.js';
export { readAttemptsMax } from './payments.js';
export * from './types.js';
export * from './ui.js';
export { DomTapToPayUi } from './dom-ui.js';
export * from './offline/types.js';
export {
  FileOfflineStorage,
  IndexedDbOfflineStorage,
  MemoryOfflineStorage,
  type OfflineStorage,
} from './offline/storage.js';
export * from './rn-types.js';
export { updateSteps } from './external.js';
