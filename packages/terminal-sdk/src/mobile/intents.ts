/**
 * PaymentIntent handles, as the React Native bridge keeps them (docs/tap-to-pay-sdk.md, "Methods"):
 * every PaymentIntent the SDK returns carries an `sdkUuid`, and a PaymentIntent passed back must be
 * one of those (the SDK needs its client secret, which a PaymentIntent built by hand may lack).
 * Forgotten on disconnect and `clearCachedCredentials`, as React Native does.
 */
import type { Json } from '../transport.js';
import { ErrorCode, stripeError } from './errors.js';
import { paymentIntentFrom } from './mapping.js';
import type { PaymentIntent, PaymentMethod, StripeError } from './types.js';

export interface IntentHandle {
  sdkUuid: string;
  id: string;
  clientSecret: string;
}

let fallbackCounter = 0;
function newUuid(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (crypto?.randomUUID) return crypto.randomUUID();
  fallbackCounter += 1;
  return `sdk-${Date.now().toString(36)}-${fallbackCounter}`;
}

export class IntentHandles {
  private readonly byUuid = new Map<string, IntentHandle>();
  private readonly uuidById = new Map<string, string>();

  /**
   * The server's PaymentIntent as React Native's, keeping (or creating) its handle. `sdkUuid`: the
   * handle a PaymentIntent had before it had an id (one created offline, then forwarded).
   */
  wrap(api: Json, paymentMethod: PaymentMethod | null = null, sdkUuid?: string): PaymentIntent {
    const id = String(api['id']);
    let uuid = this.uuidById.get(id);
    const secret = typeof api['client_secret'] === 'string' ? api['client_secret'] : undefined;
    if (!uuid) {
      uuid = sdkUuid ?? newUuid();
      this.uuidById.set(id, uuid);
    }
    const known = this.byUuid.get(uuid);
    const clientSecret = secret ?? known?.clientSecret;
    if (clientSecret) this.byUuid.set(uuid, { sdkUuid: uuid, id, clientSecret });
    return paymentIntentFrom(api, uuid, paymentMethod);
  }

  /** The handle of a PaymentIntent the app passed back, or React Native's error. */
  resolve(paymentIntent: PaymentIntent | undefined): IntentHandle | StripeError {
    if (!paymentIntent || typeof paymentIntent !== 'object') {
      return stripeError(ErrorCode.INVALID_REQUIRED_PARAMETER, 'You must provide a paymentIntent.');
    }
    if (!paymentIntent.sdkUuid) {
      return stripeError(
        ErrorCode.INVALID_REQUIRED_PARAMETER,
        'The PaymentIntent is missing sdkUuid field. This method requires you to ' +
          'use the PaymentIntent that was returned from either createPaymentIntent or retrievePaymentIntent.',
      );
    }
    const handle = this.byUuid.get(paymentIntent.sdkUuid);
    if (!handle) {
      return stripeError(
        ErrorCode.INVALID_REQUIRED_PARAMETER,
        `No PaymentIntent was found with the sdkUuid ${paymentIntent.sdkUuid}. ` +
          'The PaymentIntent provided must be re-retrieved with retrievePaymentIntent or a new PaymentIntent must be created with ' +
          'createPaymentIntent.',
      );
    }
    return handle;
  }

  clear(): void {
    this.byUuid.clear();
    this.uuidById.clear();
  }
}
