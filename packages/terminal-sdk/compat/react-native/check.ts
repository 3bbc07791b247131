/**
 * OpenTill's `useStripeTerminal` (`@opentill/terminal-sdk/react`) is assignable to React Native's,
 * member by member: every parameter React Native accepts is accepted, every result is one React
 * Native could give. `Skipped` lists what is compared nowhere, each with its reason.
 */
import type { UseStripeTerminal } from './index';
import type { StripeTerminalHook } from '@opentill/terminal-sdk/react';

/** emitter: react-native's EventEmitter, no counterpart off React Native. */
type Skipped = 'emitter';
type Compared = Exclude<keyof UseStripeTerminal, Skipped>;

declare const openTill: StripeTerminalHook;

// One assignment per member, so every difference is reported at once.
export const initialize: UseStripeTerminal['initialize'] = openTill.initialize;
export const discoverReaders: UseStripeTerminal['discoverReaders'] = openTill.discoverReaders;
export const cancelDiscovering: UseStripeTerminal['cancelDiscovering'] = openTill.cancelDiscovering;
export const easyConnect: UseStripeTerminal['easyConnect'] = openTill.easyConnect;
export const cancelEasyConnect: UseStripeTerminal['cancelEasyConnect'] = openTill.cancelEasyConnect;
export const connectReader: UseStripeTerminal['connectReader'] = openTill.connectReader;
export const disconnectReader: UseStripeTerminal['disconnectReader'] = openTill.disconnectReader;
export const rebootReader: UseStripeTerminal['rebootReader'] = openTill.rebootReader;
export const createPaymentIntent: UseStripeTerminal['createPaymentIntent'] = openTill.createPaymentIntent;
export const collectPaymentMethod: UseStripeTerminal['collectPaymentMethod'] = openTill.collectPaymentMethod;
export const retrievePaymentIntent: UseStripeTerminal['retrievePaymentIntent'] = openTill.retrievePaymentIntent;
export const getLocations: UseStripeTerminal['getLocations'] = openTill.getLocations;
export const confirmPaymentIntent: UseStripeTerminal['confirmPaymentIntent'] = openTill.confirmPaymentIntent;
export const processPaymentIntent: UseStripeTerminal['processPaymentIntent'] = openTill.processPaymentIntent;
export const createSetupIntent: UseStripeTerminal['createSetupIntent'] = openTill.createSetupIntent;
export const cancelPaymentIntent: UseStripeTerminal['cancelPaymentIntent'] = openTill.cancelPaymentIntent;
export const installAvailableUpdate: UseStripeTerminal['installAvailableUpdate'] = openTill.installAvailableUpdate;
export const cancelInstallingUpdate: UseStripeTerminal['cancelInstallingUpdate'] = openTill.cancelInstallingUpdate;
export const setReaderDisplay: UseStripeTerminal['setReaderDisplay'] = openTill.setReaderDisplay;
export const clearReaderDisplay: UseStripeTerminal['clearReaderDisplay'] = openTill.clearReaderDisplay;
export const retrieveSetupIntent: UseStripeTerminal['retrieveSetupIntent'] = openTill.retrieveSetupIntent;
export const collectSetupIntentPaymentMethod: UseStripeTerminal['collectSetupIntentPaymentMethod'] = openTill.collectSetupIntentPaymentMethod;
export const cancelSetupIntent: UseStripeTerminal['cancelSetupIntent'] = openTill.cancelSetupIntent;
export const confirmSetupIntent: UseStripeTerminal['confirmSetupIntent'] = openTill.confirmSetupIntent;
export const processSetupIntent: UseStripeTerminal['processSetupIntent'] = openTill.processSetupIntent;
export const simulateReaderUpdate: UseStripeTerminal['simulateReaderUpdate'] = openTill.simulateReaderUpdate;
export const processRefund: UseStripeTerminal['processRefund'] = openTill.processRefund;
export const clearCachedCredentials: UseStripeTerminal['clearCachedCredentials'] = openTill.clearCachedCredentials;
export const cancelCollectPaymentMethod: UseStripeTerminal['cancelCollectPaymentMethod'] = openTill.cancelCollectPaymentMethod;
export const cancelCollectSetupIntent: UseStripeTerminal['cancelCollectSetupIntent'] = openTill.cancelCollectSetupIntent;
export const cancelConfirmPaymentIntent: UseStripeTerminal['cancelConfirmPaymentIntent'] = openTill.cancelConfirmPaymentIntent;
export const cancelProcessPaymentIntent: UseStripeTerminal['cancelProcessPaymentIntent'] = openTill.cancelProcessPaymentIntent;
export const cancelConfirmSetupIntent: UseStripeTerminal['cancelConfirmSetupIntent'] = openTill.cancelConfirmSetupIntent;
export const cancelProcessSetupIntent: UseStripeTerminal['cancelProcessSetupIntent'] = openTill.cancelProcessSetupIntent;
export const cancelProcessRefund: UseStripeTerminal['cancelProcessRefund'] = openTill.cancelProcessRefund;
export const setSimulatedOfflineMode: UseStripeTerminal['setSimulatedOfflineMode'] = openTill.setSimulatedOfflineMode;
export const getOfflineStatus: UseStripeTerminal['getOfflineStatus'] = openTill.getOfflineStatus;
export const setSimulatedCard: UseStripeTerminal['setSimulatedCard'] = openTill.setSimulatedCard;
export const setSimulatedCollectInputsResult: UseStripeTerminal['setSimulatedCollectInputsResult'] = openTill.setSimulatedCollectInputsResult;
export const getPaymentStatus: UseStripeTerminal['getPaymentStatus'] = openTill.getPaymentStatus;
export const getConnectionStatus: UseStripeTerminal['getConnectionStatus'] = openTill.getConnectionStatus;
export const getConnectedReader: UseStripeTerminal['getConnectedReader'] = openTill.getConnectedReader;
export const getReaderSettings: UseStripeTerminal['getReaderSettings'] = openTill.getReaderSettings;
export const setReaderSettings: UseStripeTerminal['setReaderSettings'] = openTill.setReaderSettings;
export const collectInputs: UseStripeTerminal['collectInputs'] = openTill.collectInputs;
export const cancelCollectInputs: UseStripeTerminal['cancelCollectInputs'] = openTill.cancelCollectInputs;
export const collectData: UseStripeTerminal['collectData'] = openTill.collectData;
export const cancelCollectData: UseStripeTerminal['cancelCollectData'] = openTill.cancelCollectData;
export const print: UseStripeTerminal['print'] = openTill.print;
export const cancelReaderReconnection: UseStripeTerminal['cancelReaderReconnection'] = openTill.cancelReaderReconnection;
export const supportsReadersOfType: UseStripeTerminal['supportsReadersOfType'] = openTill.supportsReadersOfType;
export const setTapToPayUxConfiguration: UseStripeTerminal['setTapToPayUxConfiguration'] = openTill.setTapToPayUxConfiguration;
export const getNativeSdkVersion: UseStripeTerminal['getNativeSdkVersion'] = openTill.getNativeSdkVersion;
export const discoveredReaders: UseStripeTerminal['discoveredReaders'] = openTill.discoveredReaders;
export const connectedReader: UseStripeTerminal['connectedReader'] = openTill.connectedReader;
export const isInitialized: UseStripeTerminal['isInitialized'] = openTill.isInitialized;
export const getIsInitialized: UseStripeTerminal['getIsInitialized'] = openTill.getIsInitialized;
export const loading: UseStripeTerminal['loading'] = openTill.loading;

// And the whole object.
export const assignable: Pick<UseStripeTerminal, Compared> = openTill;

// Every field React Native's data types have exists on OpenTill's (optional where the server may not know it).
import type * as RN from './index';
import type * as OT from '@opentill/terminal-sdk/react';
type Missing<Theirs, Ours> = Exclude<keyof Theirs, keyof Ours>;
type Expect<T extends never> = T;
export type Fields = [
  Expect<Missing<RN.Reader.Type, OT.Reader>>,
  Expect<Missing<RN.PaymentIntent.Type, OT.PaymentIntent>>,
  Expect<Missing<RN.SetupIntent.Type, OT.SetupIntent>>,
  Expect<Missing<RN.Refund.Props, OT.Refund>>,
  Expect<Missing<RN.StripeError, OT.StripeError>>,
  Expect<Missing<RN.Location, OT.Location>>,
  Expect<Missing<RN.PaymentMethod.Type, OT.PaymentMethod>>,
  Expect<Missing<RN.CardPresentDetails, OT.CardPresentDetails>>,
  Expect<Missing<RN.ApiErrorInformation, OT.ApiErrorInformation>>,
];
