/**
 * `useStripeTerminal(callbacks?)` and `withStripeTerminal`: React Native's hook (compat/react-native/index.d.ts)
 * over the provider's mobile SDK.
 *
 * Like React Native: every method except `clearCachedCredentials` checks that `initialize()` ran
 * and otherwise logs and throws "First initialize the Stripe Terminal SDK before performing any
 * action" (`disconnectReader` only logs and returns undefined); results are values, never
 * rejections; `discoveredReaders`, `connectedReader`, `isInitialized` and `loading` are shared by
 * every hook under the provider. Long operations keep their `cancel()`.
 */
import React from 'react';
import { notInitializedMessage } from '../mobile/index.js';
import type { ErrorAlwaysResult, Reader, UserCallbacks } from '../mobile/types.js';
import { TerminalContext, type TerminalContextValue } from './context.js';
import type { MobileTerminalLike, TerminalMethodName } from './terminal-like.js';

export { notInitializedMessage };

/** The status getters: values on the SDK, Promises on the hook (as React Native's are). */
type Getter = 'getConnectionStatus' | 'getPaymentStatus';
/** Results React Native types `{ error: StripeError }` (error undefined on success): typed the same here. */
type ErrorAlways = 'disconnectReader' | 'rebootReader' | 'clearReaderDisplay';
type Methods = {
  [K in TerminalMethodName]: K extends Getter
    ? () => Promise<ReturnType<MobileTerminalLike[K]>>
    : K extends ErrorAlways
      ? () => Promise<ErrorAlwaysResult>
      : // React Native types it `Promise<Reader.Type>`; it answers null when no reader is connected.
        K extends 'getConnectedReader'
        ? () => Promise<Reader>
        : MobileTerminalLike[K];
};

export type StripeTerminalHook = Methods & {
  discoveredReaders: Reader[];
  connectedReader: Reader | null | undefined;
  isInitialized: boolean;
  getIsInitialized(): boolean;
  loading: boolean;
};

/** Methods counted in `loading` while they run (the ones that talk to the server). */
const tracked: ReadonlySet<TerminalMethodName> = new Set<TerminalMethodName>([
  'initialize',
  'discoverReaders',
  'connectReader',
  'disconnectReader',
  'createPaymentIntent',
  'retrievePaymentIntent',
  'collectPaymentMethod',
  'confirmPaymentIntent',
  'processPaymentIntent',
  'cancelPaymentIntent',
  'clearCachedCredentials',
  'easyConnect',
  'rebootReader',
  'installAvailableUpdate',
  'getLocations',
  'createSetupIntent',
  'retrieveSetupIntent',
  'cancelSetupIntent',
  'collectSetupIntentPaymentMethod',
  'confirmSetupIntent',
  'processSetupIntent',
  'processRefund',
  'setReaderDisplay',
  'clearReaderDisplay',
  'collectInputs',
  'collectData',
  'print',
]);

/** The mobile SDK's getters answer values; the hook answers Promises, as React Native's do. */
const getters: ReadonlySet<TerminalMethodName> = new Set<TerminalMethodName>([
  'getConnectionStatus',
  'getPaymentStatus',
  'getConnectedReader',
]);

export function useStripeTerminal(callbacks?: UserCallbacks): StripeTerminalHook {
  const context = React.useContext(TerminalContext);
  if (!context) throw new Error('useStripeTerminal must be used inside <StripeTerminalProvider>');
  const listener = React.useRef<UserCallbacks | undefined>(callbacks);
  listener.current = callbacks;
  const { listen } = context;
  React.useEffect(() => listen(listener), [listen, listener]);

  // The methods only depend on the SDK instance: stable across renders (safe in effect deps).
  const methods = useMethods(context);
  const { state } = context;
  return {
    ...methods,
    discoveredReaders: state.discoveredReaders,
    connectedReader: state.connectedReader,
    isInitialized: state.isInitialized,
    getIsInitialized: context.isInitialized,
    loading: state.loading,
  };
}

function useMethods(context: TerminalContextValue): Methods {
  const ref = React.useRef(context);
  ref.current = context;
  return React.useMemo(() => buildMethods(() => ref.current), [context.terminal]);
}

function buildMethods(ctx: () => TerminalContextValue): Methods {
  const call = <R>(name: TerminalMethodName, args: unknown[]): R => {
    const c = ctx();
    const answered = (c.terminal[name] as (...a: unknown[]) => R).apply(c.terminal, args);
    const result = (getters.has(name) ? Promise.resolve(answered) : answered) as R;
    if (tracked.has(name) && result instanceof Promise) c.track(result);
    return result;
  };
  // React Native's wrappers are async functions: the throw reaches the app as a rejected promise
  // (with `cancel` on long operations).
  const guarded =
    <R>(name: TerminalMethodName) =>
    (...args: unknown[]): R => {
      if (!ctx().isInitialized()) {
        console.error(notInitializedMessage);
        const error = new Error(notInitializedMessage);
        return Object.assign(Promise.reject(error), { cancel: () => Promise.reject(error) }) as R;
      }
      return call<R>(name, args);
    };
  const methods: Record<string, unknown> = {};
  for (const name of [
    'discoverReaders',
    'cancelDiscovering',
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
    'setSimulatedCard',
    'supportsReadersOfType',
    'cancelEasyConnect',
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
    'getOfflineStatus',
    'setSimulatedOfflineMode',
  ] as const satisfies readonly TerminalMethodName[]) {
    methods[name] = guarded(name);
  }
  methods['getNativeSdkVersion'] = (...args: unknown[]) => call('getNativeSdkVersion', args);
  methods['easyConnect'] = (...args: unknown[]) =>
    guarded<ReturnType<MobileTerminalLike['easyConnect']>>('easyConnect')(...args).then((result) => {
      if (result.reader) ctx().setConnectedReader(result.reader);
      return result;
    });
  // React Native: a reboot disconnects the reader.
  methods['rebootReader'] = (...args: unknown[]) =>
    guarded<ReturnType<MobileTerminalLike['rebootReader']>>('rebootReader')(...args).then((result) => {
      if (!result.error) ctx().setConnectedReader(null);
      return result;
    });

  methods['initialize'] = async (...args: unknown[]) => {
    const result = await call<ReturnType<MobileTerminalLike['initialize']>>('initialize', args);
    if (!result.error) {
      ctx().setInitialized(true);
      if (result.reader) ctx().setConnectedReader(result.reader);
    }
    return result;
  };
  methods['connectReader'] = (...args: unknown[]) => {
    const pending = guarded<ReturnType<MobileTerminalLike['connectReader']>>('connectReader')(...args);
    return pending.then((result) => {
      if (result.reader) ctx().setConnectedReader(result.reader);
      return result;
    });
  };
  methods['disconnectReader'] = (...args: unknown[]) => {
    if (!ctx().isInitialized()) {
      console.error(notInitializedMessage);
      return undefined;
    }
    return call<ReturnType<MobileTerminalLike['disconnectReader']>>('disconnectReader', args).then((result) => {
      if (!result.error) {
        ctx().setConnectedReader(null);
        ctx().setDiscoveredReaders([]);
      }
      return result;
    });
  };
  // React Native: cancelDiscovering clears the discovered readers.
  methods['cancelDiscovering'] = (...args: unknown[]) =>
    guarded<ReturnType<MobileTerminalLike['cancelDiscovering']>>('cancelDiscovering')(...args).then((result) => {
      ctx().setDiscoveredReaders([]);
      return result;
    });
  // No initialization check (React Native), but the SDK itself may answer an error.
  methods['clearCachedCredentials'] = (...args: unknown[]) => call('clearCachedCredentials', args);
  return methods as Methods;
}

/** React Native's HOC: renders `Wrapped` with the hook's members as extra props. */
export function withStripeTerminal<P extends object>(
  Wrapped: React.ComponentType<P & StripeTerminalHook>,
): React.FC<P> & { displayName: string } {
  const WithStripeTerminal = (props: P) => React.createElement(Wrapped, { ...props, ...useStripeTerminal() });
  WithStripeTerminal.displayName = `WithStripeTerminal(${Wrapped.displayName ?? Wrapped.name ?? 'Component'})`;
  return WithStripeTerminal;
}
