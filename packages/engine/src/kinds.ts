/**
 * One descriptor per kind of stored object: what `load` checks (the stored `object` name), how a
 * missing one is named in the `resource_missing` message, and the request parameter it blames by
 * default. `load(ctx, kinds.paymentIntent, id)` instead of three strings in a row at every call.
 */
import type {
  Charge,
  Configuration,
  Customer,
  Location,
  PaymentIntent,
  PaymentMethod,
  Reader,
  SetupIntent,
  StoredObject,
} from '@opentill/core';

export interface Kind<T extends StoredObject = StoredObject> {
  /** The stored object's `object` field. */
  readonly object: string;
  /** How Stripe names it in `No such …: 'id'`. */
  readonly stripeName: string;
  /** The parameter a missing one is blamed on, unless the caller names another. */
  readonly param: string;
  /** Carries T for `load`'s return type only (never set). */
  readonly type?: T;
}

function kind<T extends StoredObject>(object: string, param: string, stripeName = object): Kind<T> {
  return { object, stripeName, param };
}

export const kinds = {
  account: kind('account', 'account'),
  applicationFee: kind('application_fee', 'id', 'application fee'),
  charge: kind<Charge>('charge', 'charge'),
  customer: kind<Customer>('customer', 'id'),
  event: kind('event', 'id'),
  paymentIntent: kind<PaymentIntent>('payment_intent', 'intent'),
  paymentMethod: kind<PaymentMethod>('payment_method', 'payment_method'),
  refund: kind('refund', 'refund'),
  setupIntent: kind<SetupIntent>('setup_intent', 'intent'),
  terminalConfiguration: kind<Configuration>('terminal.configuration', 'configuration'),
  terminalLocation: kind<Location>('terminal.location', 'location'),
  terminalReader: kind<Reader>('terminal.reader', 'id'),
  transfer: kind('transfer', 'id'),
  webhookEndpoint: kind('webhook_endpoint', 'id', 'webhook endpoint'),
} as const;
