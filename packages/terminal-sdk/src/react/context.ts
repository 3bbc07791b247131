/**
 * What `StripeTerminalProvider` shares with `useStripeTerminal`: the one SDK instance, the state
 * React Native keeps in its context (readers, initialization, loading) and the registry of
 * hook-level callbacks. The SDK takes one callbacks object at construction; the provider passes a
 * fan-out that calls every mounted hook's callbacks, so several components can each listen.
 */
import React from 'react';
import type { Reader, UserCallbacks } from '../mobile/types.js';
import type { MobileTerminalLike } from './terminal-like.js';

export interface TerminalState {
  isInitialized: boolean;
  discoveredReaders: Reader[];
  connectedReader: Reader | null;
  loading: boolean;
}

export interface TerminalContextValue {
  terminal: MobileTerminalLike;
  state: TerminalState;
  /** Read synchronously by the hook's guards: React state can lag one render behind. */
  isInitialized(): boolean;
  setInitialized(value: boolean): void;
  setDiscoveredReaders(readers: Reader[]): void;
  setConnectedReader(reader: Reader | null): void;
  /** Counts an operation in `loading` until `promise` settles. */
  track(promise: Promise<unknown>): void;
  /** Registers a hook's callbacks (a ref, so a re-render with new closures needs no re-registration). */
  listen(callbacks: { readonly current: UserCallbacks | undefined }): () => void;
}

export const TerminalContext = React.createContext<TerminalContextValue | null>(null);
TerminalContext.displayName = 'StripeTerminalContext';
