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

/** The hook's wrappers are async functions returning `await fn(…)`: the function's parameters, its awaited result. */
type Hooked<Fn extends (...args: never[]) => unknown> = (...args: Parameters<Fn>) => Promise<Awaited<ReturnType<Fn>>>;

export interface UseStripeTerminal {
  initialize: () => Promise<InitializeResultType>;
  discoverReaders: Hooked<typeof F.discoverReaders>;
  cancelDiscovering: Hooked<typeof F.cancelDiscovering>;
  easyConnect: Hooked<typeof F.easyConnect>;
  cancelEasyConnect: Hooked<typeof F.cancelEasyConnect>;
  connectReader: Hooked<typeof F.connectReader>;
  /** Without initialize it only logs: undefined. */
  disconnectReader: () => Promise<DisconnectReaderResultType | undefined>;
  rebootReader: Hooked<typeof F.rebootReader>;
  createPaymentIntent: Hooked<typeof F.createPaymentIntent>;
  collectPaymentMethod: Hooked<typeof F.collectPaymentMethod>;
  retrievePaymentIntent: Hooked<typeof F.retrievePaymentIntent>;
  getLocations: Hooked<typeof F.getLocations>;
  confirmPaymentIntent: Hooked<typeof F.confirmPaymentIntent>;
  processPaymentIntent: Hooked<typeof F.processPaymentIntent>;
  createSetupIntent: Hooked<typeof F.createSetupIntent>;
  cancelPaymentIntent: Hooked<typeof F.cancelPaymentIntent>;
  installAvailableUpdate: Hooked<typeof F.installAvailableUpdate>;
  cancelInstallingUpdate: Hooked<typeof F.cancelInstallingUpdate>;
  setReaderDisplay: Hooked<typeof F.setReaderDisplay>;
  clearReaderDisplay: Hooked<typeof F.clearReaderDisplay>;
  retrieveSetupIntent: Hooked<typeof F.retrieveSetupIntent>;
  collectSetupIntentPaymentMethod: Hooked<typeof F.collectSetupIntentPaymentMethod>;
  cancelSetupIntent: Hooked<typeof F.cancelSetupIntent>;
  confirmSetupIntent: Hooked<typeof F.confirmSetupIntent>;
  processSetupIntent: Hooked<typeof F.processSetupIntent>;
  simulateReaderUpdate: Hooked<typeof F.simulateReaderUpdate>;
  processRefund: Hooked<typeof F.processRefund>;
  clearCachedCredentials: Hooked<typeof F.clearCachedCredentials>;
  cancelCollectPaymentMethod: Hooked<typeof F.cancelCollectPaymentMethod>;
  cancelCollectSetupIntent: Hooked<typeof F.cancelCollectSetupIntent>;
  cancelConfirmPaymentIntent: Hooked<typeof F.cancelConfirmPaymentIntent>;
  cancelProcessPaymentIntent: Hooked<typeof F.cancelProcessPaymentIntent>;
  cancelConfirmSetupIntent: Hooked<typeof F.cancelConfirmSetupIntent>;
  cancelProcessSetupIntent: Hooked<typeof F.cancelProcessSetupIntent>;
  cancelProcessRefund: Hooked<typeof F.cancelProcessRefund>;
  setSimulatedCard: Hooked<typeof F.setSimulatedCard>;
  setSimulatedOfflineMode: Hooked<typeof F.setSimulatedOfflineMode>;
  setSimulatedCollectInputsResult: Hooked<typeof F.setSimulatedCollectInputsResult>;
  getOfflineStatus: Hooked<typeof F.getOfflineStatus>;
  getPaymentStatus: Hooked<typeof F.getPaymentStatus>;
  getConnectionStatus: Hooked<typeof F.getConnectionStatus>;
  getConnectedReader: Hooked<typeof F.getConnectedReader>;
  getReaderSettings: Hooked<typeof F.getReaderSettings>;
  setReaderSettings: Hooked<typeof F.setReaderSettings>;
  collectInputs: Hooked<typeof F.collectInputs>;
  cancelCollectInputs: Hooked<typeof F.cancelCollectInputs>;
  collectData: Hooked<typeof F.collectData>;
  cancelCollectData: Hooked<typeof F.cancelCollectData>;
  print: Hooked<typeof F.print>;
  cancelReaderReconnection: Hooked<typeof F.cancelReaderReconnection>;
  supportsReadersOfType: Hooked<typeof F.supportsReadersOfType>;
  setTapToPayUxConfiguration: Hooked<typeof F.setTapToPayUxConfiguration>;
  getNativeSdkVersion: Hooked<typeof F.getNativeSdkVersion>;
  /** react-native's EventEmitter: no counterpart off React Native (compared nowhere). */
  emitter: unknown;
  discoveredReaders: Reader.Type[];
  connectedReader?: Reader.Type | null;
  isInitialized: boolean;
  getIsInitialized: () => boolean;
  loading: boolean;
}

export declare function useStripeTerminal(props?: UserCallbacks): UseStripeTerminal;
