/**
 * `useStripeTerminal` of @stripe/stripe-terminal-react-native 0.0.1-beta.30 (commit c8e4deff),
 * test-only: the object its hook returns (src/hooks/useStripeTerminal.tsx, the `return {…}` at
 * its end), each member typed as the function of src/functions.ts it wraps (functions.d.ts,
 * generated from that file), and the hook's own members typed as its context types them
 * (src/components/StripeTerminalContext.ts). The types themselves are vendored unchanged (types/,
 * Errors/). No network at test time.
 */
import type * as F from './functions';
import type { DisconnectReaderResultType, InitializeResultType, Reader, UserCallbacks } from './types/index';

export * from './types/index';
export { ErrorCode } from './Errors/ErrorCodes';

export interface UseStripeTerminal {
  initialize: () => Promise<InitializeResultType>;
  discoverReaders: typeof F.discoverReaders;
  cancelDiscovering: typeof F.cancelDiscovering;
  easyConnect: typeof F.easyConnect;
  cancelEasyConnect: typeof F.cancelEasyConnect;
  connectReader: typeof F.connectReader;
  /** Without initialize it only logs: undefined. */
  disconnectReader: () => Promise<DisconnectReaderResultType | undefined>;
  rebootReader: typeof F.rebootReader;
  createPaymentIntent: typeof F.createPaymentIntent;
  collectPaymentMethod: typeof F.collectPaymentMethod;
  retrievePaymentIntent: typeof F.retrievePaymentIntent;
  getLocations: typeof F.getLocations;
  confirmPaymentIntent: typeof F.confirmPaymentIntent;
  processPaymentIntent: typeof F.processPaymentIntent;
  createSetupIntent: typeof F.createSetupIntent;
  cancelPaymentIntent: typeof F.cancelPaymentIntent;
  installAvailableUpdate: typeof F.installAvailableUpdate;
  cancelInstallingUpdate: typeof F.cancelInstallingUpdate;
  setReaderDisplay: typeof F.setReaderDisplay;
  clearReaderDisplay: typeof F.clearReaderDisplay;
  retrieveSetupIntent: typeof F.retrieveSetupIntent;
  collectSetupIntentPaymentMethod: typeof F.collectSetupIntentPaymentMethod;
  cancelSetupIntent: typeof F.cancelSetupIntent;
  confirmSetupIntent: typeof F.confirmSetupIntent;
  processSetupIntent: typeof F.processSetupIntent;
  simulateReaderUpdate: typeof F.simulateReaderUpdate;
  processRefund: typeof F.processRefund;
  clearCachedCredentials: typeof F.clearCachedCredentials;
  cancelCollectPaymentMethod: typeof F.cancelCollectPaymentMethod;
  cancelCollectSetupIntent: typeof F.cancelCollectSetupIntent;
  cancelConfirmPaymentIntent: typeof F.cancelConfirmPaymentIntent;
  cancelProcessPaymentIntent: typeof F.cancelProcessPaymentIntent;
  cancelConfirmSetupIntent: typeof F.cancelConfirmSetupIntent;
  cancelProcessSetupIntent: typeof F.cancelProcessSetupIntent;
  cancelProcessRefund: typeof F.cancelProcessRefund;
  setSimulatedCard: typeof F.setSimulatedCard;
  setSimulatedOfflineMode: typeof F.setSimulatedOfflineMode;
  setSimulatedCollectInputsResult: typeof F.setSimulatedCollectInputsResult;
  getOfflineStatus: typeof F.getOfflineStatus;
  getPaymentStatus: typeof F.getPaymentStatus;
  getConnectionStatus: typeof F.getConnectionStatus;
  getConnectedReader: typeof F.getConnectedReader;
  getReaderSettings: typeof F.getReaderSettings;
  setReaderSettings: typeof F.setReaderSettings;
  collectInputs: typeof F.collectInputs;
  cancelCollectInputs: typeof F.cancelCollectInputs;
  collectData: typeof F.collectData;
  cancelCollectData: typeof F.cancelCollectData;
  print: typeof F.print;
  cancelReaderReconnection: typeof F.cancelReaderReconnection;
  supportsReadersOfType: typeof F.supportsReadersOfType;
  setTapToPayUxConfiguration: typeof F.setTapToPayUxConfiguration;
  getNativeSdkVersion: typeof F.getNativeSdkVersion;
  /** react-native's EventEmitter: no counterpart off React Native (compared nowhere). */
  emitter: unknown;
  discoveredReaders: Reader.Type[];
  connectedReader?: Reader.Type | null;
  isInitialized: boolean;
  getIsInitialized: () => boolean;
  loading: boolean;
}

export declare function useStripeTerminal(props?: UserCallbacks): UseStripeTerminal;
