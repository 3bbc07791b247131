/**
 * Customers (`cus_`), as far as Terminal uses them: someone whose cards are saved from a reader
 * (`generated_card` PaymentMethods attached to them) and whose PaymentIntents and SetupIntents
 * name them. Pure: ids and time come in, objects and events go out.
 *
 *   (create) → active ─(update)→ active ─(delete)→ deleted   (a deleted customer reads as a stub)
 *
 * Attaching and detaching PaymentMethods live here too: they are the customer's side of saving a card.
 */
import { ApiError } from './errors.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject, type Transition } from './domain.js';
import type { Address } from './terminal/location.js';

export interface CustomerShipping {
  address: Address;
  carrier: string | null;
  name: string;
  phone: string | null;
  tracking_number: string | null;
}

export interface Customer extends StoredObject {
  object: 'customer';
  address: Address | null;
  balance: number;
  currency: string | null;
  customer_account: string | null;
  default_source: string | null;
  delinquent: boolean;
  description: string | null;
  discount: null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: string | null;
    rendering_options: null;
  };
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: CustomerShipping | null;
  tax_exempt: 'none' | 'exempt' | 'reverse';
  test_clock: string | null;
}

/** What Stripe answers for a deleted customer (retrieve, delete, expansion). */
export interface DeletedCustomer {
  id: string;
  object: 'customer';
  deleted: true;
}

/** Fields a create or an update may set; `null` unsets (where Stripe allows unsetting). */
export interface CustomerFields {
  address?: Address | null;
  balance?: number;
  description?: string | null;
  email?: string | null;
  invoice_prefix?: string;
  invoiceDefaultPaymentMethod?: string | null;
  invoiceFooter?: string | null;
  metadata?: Metadata;
  name?: string | null;
  next_invoice_sequence?: number;
  phone?: string | null;
  preferred_locales?: string[];
  shipping?: CustomerShipping | null;
  tax_exempt?: Customer['tax_exempt'] | null;
}

export interface CreateCustomer {
  id: string;
  /** Stripe makes one up per customer (8 characters, upper case); the engine derives it from the id. */
  invoicePrefix: string;
  fields: CustomerFields;
}

/** Stripe: 3–12 upper-case letters or digits. */
const invoicePrefixPattern = /^[A-Z0-9]{3,12}$/;

function checkInvoicePrefix(prefix: string | undefined): void {
  if (prefix !== undefined && !invoicePrefixPattern.test(prefix)) {
    throw new ApiError(
      'invalid_request_body',
      `Invalid invoice_prefix: ${prefix.slice(0, 20)}. It must be 3-12 uppercase letters or numbers.`,
      { param: 'invoice_prefix' },
    );
  }
}

function applyFields(base: Customer, fields: CustomerFields): Customer {
  const next: Customer = { ...base, invoice_settings: { ...base.invoice_settings } };
  if (fields.address !== undefined) next.address = fields.address;
  if (fields.balance !== undefined) next.balance = fields.balance;
  if (fields.description !== undefined) next.description = fields.description;
  if (fields.email !== undefined) next.email = fields.email;
  if (fields.invoice_prefix !== undefined) next.invoice_prefix = fields.invoice_prefix;
  if (fields.invoiceDefaultPaymentMethod !== undefined)
    next.invoice_settings.default_payment_method = fields.invoiceDefaultPaymentMethod;
  if (fields.invoiceFooter !== undefined) next.invoice_settings.footer = fields.invoiceFooter;
  if (fields.metadata !== undefined) next.metadata = fields.metadata;
  if (fields.name !== undefined) next.name = fields.name;
  if (fields.next_invoice_sequence !== undefined) next.next_invoice_sequence = fields.next_invoice_sequence;
  if (fields.phone !== undefined) next.phone = fields.phone;
  if (fields.preferred_locales !== undefined) next.preferred_locales = fields.preferred_locales;
  if (fields.shipping !== undefined) next.shipping = fields.shipping;
  if (fields.tax_exempt !== undefined) next.tax_exempt = fields.tax_exempt ?? 'none';
  return next;
}

export function createCustomer(command: CreateCustomer, nowMs: number): Transition & { customer: Customer } {
  checkInvoicePrefix(command.fields.invoice_prefix);
  const blank: Customer = {
    id: command.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: secondsOf(nowMs),
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: command.invoicePrefix,
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  const customer = applyFields(blank, command.fields);
  return { customer, changed: [customer], events: [{ type: 'customer.created', object: customer }] };
}

const isHash = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The fields whose values differ, with their previous values: Stripe's `previous_attributes` of an
 * `*.updated` event. Inside a hash on both sides (metadata, invoice_settings, address) only the
 * changed keys are reported, an added key as `null`; arrays and scalars are reported whole.
 */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === '_internal') continue;
    const was = before[key];
    const now = after[key];
    if (JSON.stringify(was) === JSON.stringify(now)) continue;
    changed[key] = isHash(was) && isHash(now) ? previousAttributes(was, now) : (was ?? null);
  }
  return changed;
}

/** An update: `customer.updated` with `previous_attributes`, or no event when nothing changed. */
export function updateCustomer(customer: Customer, fields: CustomerFields): Transition & { customer: Customer } {
  checkInvoicePrefix(fields.invoice_prefix);
  const next = applyFields(customer, fields);
  const previous = previousAttributes(customer, next);
  if (Object.keys(previous).length === 0) return { customer, changed: [], events: [] };
  return {
    customer: next,
    changed: [next],
    events: [{ type: 'customer.updated', object: next, previousAttributes: previous }],
  };
}

/**
 * Deleting keeps the document, marked `deleted` (ids stay unique, and a retrieve answers the
 * stub). The event carries the customer as it was, as Stripe's `customer.deleted` does.
 */
export function deleteCustomer(customer: Customer): Transition & { deleted: DeletedCustomer } {
  const marked: Customer = { ...customer, deleted: true };
  return {
    deleted: deletedCustomer(customer.id),
    changed: [marked],
    events: [{ type: 'customer.deleted', object: customer }],
  };
}

export function deletedCustomer(id: string): DeletedCustomer {
  return { id, object: 'customer', deleted: true };
}

// ------------------------------------------------------------------------------------------------
// PaymentMethods on a customer
// ------------------------------------------------------------------------------------------------

/** Reader PaymentMethods are single-use: what is saved is the `card` generated from them. */
const attachableTypes: readonly string[] = ['card'];

export function attachPaymentMethodToCustomer(
  paymentMethod: StoredObject,
  customerId: string,
): Transition & { paymentMethod: StoredObject } {
  const type = String(paymentMethod['type']);
  if (!attachableTypes.includes(type)) {
    throw new ApiError(
      'payment_method_invalid_parameter',
      `PaymentMethods of type ${type} cannot be attached to a customer. Save the card with a SetupIntent or with ` +
        'setup_future_usage instead: the reusable card is the generated_card PaymentMethod.',
      { param: 'payment_method' },
    );
  }
  const current = paymentMethod['customer'];
  if (current === customerId) return { paymentMethod, changed: [], events: [] };
  if (typeof current === 'string') {
    throw new ApiError(
      'payment_method_unexpected_state',
      'The payment method you provided has already been attached to a customer.',
      { param: 'payment_method' },
    );
  }
  const attached: StoredObject = { ...paymentMethod, customer: customerId };
  return {
    paymentMethod: attached,
    changed: [attached],
    events: [{ type: 'payment_method.attached', object: attached }],
  };
}

/**
 * Detaching: the PaymentMethod can no longer be used (Stripe). If it was the customer's default
 * for invoices, that default is cleared in the same change (`customer.updated`).
 */
export function detachPaymentMethod(
  paymentMethod: StoredObject,
  customer: Customer | null,
): Transition & { paymentMethod: StoredObject } {
  const current = paymentMethod['customer'];
  if (typeof current !== 'string') {
    throw new ApiError(
      'payment_method_unexpected_state',
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      { param: 'payment_method' },
    );
  }
  const detached: StoredObject = { ...paymentMethod, customer: null };
  const changed: StoredObject[] = [detached];
  const events: DomainEvent[] = [
    { type: 'payment_method.detached', object: detached, previousAttributes: { customer: current } },
  ];
  if (customer && customer.id === current && customer.invoice_settings.default_payment_method === paymentMethod.id) {
    const cleared = updateCustomer(customer, { invoiceDefaultPaymentMethod: null });
    changed.push(...cleared.changed);
    events.push(...cleared.events);
  }
  return { paymentMethod: detached, changed, events };
}
