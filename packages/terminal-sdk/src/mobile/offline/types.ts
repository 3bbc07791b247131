/**
 * Offline mode's public types, as React Native's (`@stripe/stripe-terminal-react-native`
 * 0.0.1-beta.30, src/types/index.ts): `OfflineStatus`, `OfflineDetails`, the offline callbacks.
 */
import type { PaymentIntent, StripeError } from '../types.js';
import type { OfflineStorage } from './storage.js';

import type { ReceiptDetails } from '../rn-types.js';

export type OfflineBehavior = 'prefer_online' | 'require_online' | 'force_offline';
export type NetworkStatus = 'online' | 'offline' | 'unknown';

export interface OfflineStatusDetails {
  networkStatus: NetworkStatus;
  offlinePaymentsCount: number;
  offlinePaymentAmountsByCurrency: { [currency: string]: number };
}

export interface OfflineStatus {
  sdk: OfflineStatusDetails;
  /** Only smart readers store payments themselves; a Tap to Pay phone is the SDK. */
  reader?: OfflineStatusDetails;
}

export interface OfflineCardPresentDetails {
  brand: string;
  cardholderName: string;
  expMonth: number;
  expYear: number;
  last4: string;
  readMethod: string;
  /** React Native's `ReceiptDetails`; empty at run time (no EMV receipt is simulated offline). */
  receiptDetails: ReceiptDetails;
}

export interface OfflineDetails {
  /** When the payment was stored, in ms since the epoch, as a string (React Native's type). */
  storedAtMs: string;
  requiresUpload: boolean;
  cardPresentDetails: OfflineCardPresentDetails;
  amountDetails: { tip?: { amount?: number } };
}

export interface OfflineCallbacks {
  onDidChangeOfflineStatus?: (status: OfflineStatus) => void;
  /** A stored payment was forwarded: the server's PaymentIntent, and the error if it was declined after the fact. */
  onDidForwardPaymentIntent?: (paymentIntent: PaymentIntent, error: StripeError | undefined) => void;
  onDidForwardingFailure?: (error?: StripeError) => void;
}

export interface OfflineOptions {
  /** Where stored payments live. Default: IndexedDB in a browser, memory elsewhere (pass a FileOfflineStorage in Node). */
  storage?: OfflineStorage;
  /** While offline, how often the SDK checks whether the server is reachable again (default 5000 ms). */
  probeIntervalMs?: number;
  /** The device's clock (default Date.now): stored-at times and the age limit. */
  now?: () => number;
}
