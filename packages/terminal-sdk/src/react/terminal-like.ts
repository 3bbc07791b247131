/**
 * The part of the mobile SDK (`MobileTerminal`) the React adapter drives. A structural type rather
 * than the class, so tests and apps can hand the provider any object with these methods
 * (`createTerminal` prop), e.g. a fake in unit tests.
 */
import type { MobileTerminal } from '../mobile/index.js';

export const terminalMethods = [
  'initialize',
  'discoverReaders',
  'cancelDiscovering',
  'connectReader',
  'disconnectReader',
  'cancelReaderReconnection',
  'createPaymentIntent',
  'retrievePaymentIntent',
  'collectPaymentMethod',
  'cancelCollectPaymentMethod',
  'confirmPaymentIntent',
  'cancelConfirmPaymentIntent',
  'processPaymentIntent',
  'cancelProcessPaymentIntent',
  'cancelPaymentIntent',
  'setTapToPayUxConfiguration',
  'getConnectionStatus',
  'getPaymentStatus',
  'getConnectedReader',
  'clearCachedCredentials',
  'setSimulatedCard',
  'supportsReadersOfType',
  // Every reader kind and the rest of React Native's surface (docs/tap-to-pay-sdk.md).
  'easyConnect',
  'cancelEasyConnect',
  'rebootReader',
  'installAvailableUpdate',
  'cancelInstallingUpdate',
  'simulateReaderUpdate',
  'getLocations',
  'createSetupIntent',
  'retrieveSetupIntent',
  'cancelSetupIntent',
  'collectSetupIntentPaymentMethod',
  'confirmSetupIntent',
  'processSetupIntent',
  'cancelCollectSetupIntent',
  'cancelConfirmSetupIntent',
  'cancelProcessSetupIntent',
  'processRefund',
  'cancelProcessRefund',
  'setReaderDisplay',
  'clearReaderDisplay',
  'collectInputs',
  'cancelCollectInputs',
  'collectData',
  'cancelCollectData',
  'getReaderSettings',
  'setReaderSettings',
  'print',
  'setSimulatedCollectInputsResult',
  'getNativeSdkVersion',
  'getOfflineStatus',
  'setSimulatedOfflineMode',
] as const;

export type TerminalMethodName = (typeof terminalMethods)[number];

export type MobileTerminalLike = Pick<MobileTerminal, TerminalMethodName>;
