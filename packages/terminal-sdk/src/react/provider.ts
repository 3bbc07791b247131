/**
 * `<StripeTerminalProvider>`: React Native's provider (compat/react-native/index.d.ts) over the
 * mobile SDK. It creates one `MobileTerminal` for its lifetime and shares it, with the state React
 * Native keeps in its context, with every `useStripeTerminal()` below it.
 *
 * React Native takes only `tokenProvider` (the native side knows the device); a browser or Node
 * app has no native side, so the phone's facts, its installation id, OpenTill's URL and the UI
 * port are props too. They are read once, when the SDK is created, except `tokenProvider`, which
 * is always the latest one passed (apps often pass an inline arrow).
 */
import React from 'react';
import type { DeviceFacts, MobileTerminalOptions, Reader, UserCallbacks } from '../mobile/types.js';
import type { TapToPayUi } from '../mobile/ui.js';
import { createMobileTerminal, DomTapToPayUi, ScriptedTapToPayUi } from '../mobile/index.js';
import { TerminalContext, type TerminalContextValue, type TerminalState } from './context.js';
import type { MobileTerminalLike } from './terminal-like.js';

export type LogLevel = 'none' | 'verbose' | 'error' | 'warning';

export interface StripeTerminalProviderProps {
  /** Resolves to a connection token secret from your backend. */
  tokenProvider: () => Promise<string>;
  /** OpenTill's URL. */
  apiBase: string;
  /** What the phone says about itself (docs/tap-to-pay.md). */
  device: DeviceFacts;
  /** A stable id of this app install: the reader's serial number. */
  installationId: string;
  /** The tap screen / PIN pad. Default: a `DomTapToPayUi` over `document.body` in a browser, else a `ScriptedTapToPayUi`. */
  ui?: TapToPayUi;
  /** Accepted for React Native compatibility; the SDK logs nothing either way. */
  logLevel?: LogLevel;
  /** Provider-level callbacks (React Native forwards a few of these too). */
  callbacks?: UserCallbacks;
  /** Extra SDK options (fetch, random, reconnect). */
  options?: Partial<Pick<MobileTerminalOptions, 'fetch' | 'random' | 'reconnect'>>;
  /** Builds the SDK (tests pass a fake); default `createMobileTerminal`. */
  createTerminal?: (options: MobileTerminalOptions) => MobileTerminalLike;
  children?: React.ReactNode;
}

/** Every `UserCallbacks` name: each gets a fan-out to the mounted hooks. */
const callbackNames = [
  'onUpdateDiscoveredReaders',
  'onFinishDiscoveringReaders',
  'onDidChangeConnectionStatus',
  'onDidChangePaymentStatus',
  'onDidRequestReaderInput',
  'onDidRequestReaderDisplayMessage',
  'onDidStartReaderReconnect',
  'onDidSucceedReaderReconnect',
  'onDidFailReaderReconnect',
  'onDidDisconnect',
  'onDidAcceptTermsOfService',
  'onDidReportAvailableUpdate',
  'onDidStartInstallingUpdate',
  'onDidReportReaderSoftwareUpdateProgress',
  'onDidFinishInstallingUpdate',
  'onDidUpdateBatteryLevel',
  'onDidReportLowBatteryWarning',
  'onDidReportReaderEvent',
  'onDidChangeOfflineStatus',
  'onDidForwardPaymentIntent',
  'onDidForwardingFailure',
] as const satisfies readonly (keyof UserCallbacks)[];
/** Compile-time: a callback React Native has and the fan-out forgot fails the build (a hook would never hear it). */
const everyCallbackFannedOut: Exclude<keyof UserCallbacks, (typeof callbackNames)[number]> extends never
  ? true
  : never = true;
void everyCallbackFannedOut;

type Listener = { readonly current: UserCallbacks | undefined };
type AnyCallback = (...args: unknown[]) => void;

/** In a browser the SDK draws its screens over the page; elsewhere (React Native tests, Node) the simulator taps by itself. */
function defaultUi(): TapToPayUi {
  return typeof document !== 'undefined' && document.body ? new DomTapToPayUi(document.body) : new ScriptedTapToPayUi();
}

export function StripeTerminalProvider(props: StripeTerminalProviderProps): React.ReactElement {
  const latest = React.useRef(props);
  latest.current = props;
  const [state, setState] = React.useState<TerminalState>({
    isInitialized: false,
    discoveredReaders: [],
    connectedReader: null,
    loading: false,
  });
  // Mirrors of the state for synchronous reads (guards) and the in-flight counter behind `loading`.
  const initialized = React.useRef(false);
  const inFlight = React.useRef(0);

  // One registry and one SDK per provider: created on first render, never re-created.
  const [core] = React.useState(() => {
    const listeners = new Set<Listener>();
    const update = (patch: Partial<TerminalState>) => setState((s) => ({ ...s, ...patch }));
    const emit = (name: (typeof callbackNames)[number], args: unknown[]) => {
      (latest.current.callbacks?.[name] as AnyCallback | undefined)?.(...args);
      for (const listener of [...listeners]) (listener.current?.[name] as AnyCallback | undefined)?.(...args);
    };
    const fanOut: UserCallbacks = {};
    for (const name of callbackNames) {
      (fanOut as Record<string, AnyCallback>)[name] = (...args: unknown[]) => {
        // The state React Native's hook keeps in step with the events.
        if (name === 'onUpdateDiscoveredReaders') update({ discoveredReaders: [...(args[0] as Reader[])] });
        if (name === 'onDidSucceedReaderReconnect') update({ connectedReader: args[0] as Reader });
        if (name === 'onDidFailReaderReconnect') update({ connectedReader: null });
        if (name === 'onDidDisconnect') update({ connectedReader: null, discoveredReaders: [] });
        emit(name, args);
      };
    }
    const { tokenProvider: _t, createTerminal, ui, device, installationId, apiBase, options } = latest.current;
    const terminal = (createTerminal ?? createMobileTerminal)({
      ...options,
      apiBase,
      device,
      installationId,
      tokenProvider: () => latest.current.tokenProvider(),
      ui: ui ?? defaultUi(),
      callbacks: fanOut,
    });
    return { terminal, listeners, update };
  });

  const value = React.useMemo<TerminalContextValue>(
    () => ({
      terminal: core.terminal,
      state,
      isInitialized: () => initialized.current,
      setInitialized: (v) => {
        initialized.current = v;
        core.update({ isInitialized: v });
      },
      setDiscoveredReaders: (readers) => core.update({ discoveredReaders: readers }),
      setConnectedReader: (reader) => core.update({ connectedReader: reader }),
      track: (promise) => {
        if (inFlight.current++ === 0) core.update({ loading: true });
        const done = () => {
          if (--inFlight.current === 0) core.update({ loading: false });
        };
        promise.then(done, done);
      },
      listen: (listener) => {
        core.listeners.add(listener);
        return () => {
          core.listeners.delete(listener);
        };
      },
    }),
    [core, state],
  );

  return React.createElement(TerminalContext.Provider, { value }, props.children);
}
