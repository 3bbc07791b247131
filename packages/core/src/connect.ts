/**
 * Connect for POS platforms: connected accounts (`acct_`), and what a captured charge moves between
 * a platform and its connected accounts — a transfer (`tr_`) with the payment it makes on the
 * destination (`py_`) for a destination charge, an application fee (`fee_`) for a charge that
 * collects one. Pure: ids and time come in, objects and events go out.
 */
import { ApiError } from './errors.js';
import { must } from './must.js';
import { secondsOf, type DomainEvent, type Metadata, type StoredObject } from './domain.js';

export type ConnectedAccountType = 'custom' | 'express' | 'standard' | 'none';

export interface AccountController {
  fees?: { payer?: 'account' | 'application' };
  losses?: { payments?: 'application' | 'stripe' };
  requirement_collection?: 'application' | 'stripe';
  stripe_dashboard?: { type?: 'express' | 'full' | 'none' };
}

export interface AccountFields {
  type?: Exclude<ConnectedAccountType, 'none'>;
  controller?: AccountController;
  country?: string;
  email?: string | null;
  business_type?: string | null;
  default_currency?: string;
  metadata?: Metadata;
  capabilities?: Record<string, { requested?: boolean }>;
  business_profile?: { name?: string | null; url?: string | null; mcc?: string | null };
}

/**
 * The account type a `controller` describes, as Stripe derives it: a full Stripe Dashboard is a
 * Standard account, the Express Dashboard an Express account, no dashboard with the platform
 * collecting requirements a Custom account; anything else is `none` (a controller-properties account).
 */
function typeOfController(controller: AccountController | undefined): ConnectedAccountType {
  const dashboard = controller?.stripe_dashboard?.type;
  if (dashboard === 'full') return 'standard';
  if (dashboard === 'express') return 'express';
  if (dashboard === 'none' && controller?.requirement_collection === 'application') return 'custom';
  return 'none';
}

function controllerOf(type: ConnectedAccountType, given: AccountController | undefined): Record<string, unknown> {
  const dashboard =
    given?.stripe_dashboard?.type ?? (type === 'standard' ? 'full' : type === 'express' ? 'express' : 'none');
  const application = type !== 'standard';
  return {
    fees: { payer: given?.fees?.payer ?? (type === 'standard' ? 'account' : 'application') },
    is_controller: true,
    losses: { payments: given?.losses?.payments ?? (application ? 'application' : 'stripe') },
    requirement_collection: given?.requirement_collection ?? (type === 'custom' ? 'application' : 'stripe'),
    stripe_dashboard: { type: dashboard },
    type: 'application',
  };
}

function capabilitiesOf(
  requested: AccountFields['capabilities'],
  current: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...current };
  for (const [name, value] of Object.entries(requested ?? {})) {
    if (value.requested === true) out[name] = 'active';
    else if (value.requested === false) delete out[name];
  }
  return out;
}

/**
 * A test-mode connected account. Test accounts are verified at once (OpenTill does no onboarding):
 * charges and payouts enabled, nothing required. `card_payments` and `transfers` are what Terminal
 * and destination charges need, so they are active unless other capabilities are asked for.
 */
export function createConnectedAccount(id: string, fields: AccountFields, nowMs: number): StoredObject {
  if (fields.type !== undefined && fields.controller !== undefined) {
    throw new ApiError('parameters_exclusive', 'You may only specify one of these parameters: controller, type.', {
      param: 'type',
    });
  }
  const type: ConnectedAccountType = fields.type ?? typeOfController(fields.controller);
  const capabilities =
    fields.capabilities !== undefined
      ? capabilitiesOf(fields.capabilities)
      : { card_payments: 'active', transfers: 'active' };
  return {
    id,
    object: 'account',
    business_profile: {
      mcc: fields.business_profile?.mcc ?? null,
      minority_owned_business_designation: null,
      name: fields.business_profile?.name ?? null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: fields.business_profile?.url ?? null,
    },
    business_type: fields.business_type ?? null,
    capabilities,
    charges_enabled: true,
    controller: controllerOf(type, fields.controller),
    country: fields.country ?? 'US',
    created: secondsOf(nowMs),
    default_currency: fields.default_currency ?? 'usd',
    details_submitted: true,
    email: fields.email ?? null,
    livemode: false,
    metadata: fields.metadata ?? {},
    payouts_enabled: true,
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: [],
      disabled_reason: null,
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    settings: null,
    tos_acceptance: { date: null, ip: null, user_agent: null },
    type,
  };
}

/** The update, and the previous values of the fields it changed (for `account.updated`). */
export function updateConnectedAccount(
  account: StoredObject,
  fields: Omit<AccountFields, 'type' | 'controller' | 'country'>,
): { account: StoredObject; previousAttributes: Record<string, unknown> } {
  const next: StoredObject = { ...account };
  const previous: Record<string, unknown> = {};
  const set = (field: string, value: unknown) => {
    if (JSON.stringify(account[field]) === JSON.stringify(value)) return;
    previous[field] = account[field];
    next[field] = value;
  };
  if (fields.email !== undefined) set('email', fields.email);
  if (fields.business_type !== undefined) set('business_type', fields.business_type);
  if (fields.default_currency !== undefined) set('default_currency', fields.default_currency);
  if (fields.metadata !== undefined) set('metadata', fields.metadata);
  if (fields.capabilities !== undefined) {
    set('capabilities', capabilitiesOf(fields.capabilities, account['capabilities'] as Record<string, string>));
  }
  if (fields.business_profile !== undefined) {
    const current = account['business_profile'] as Record<string, unknown>;
    const profile: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(fields.business_profile)) if (value !== undefined) profile[key] = value;
    set('business_profile', profile);
  }
  return { account: next, previousAttributes: previous };
}

export function deletedAccount(account: StoredObject): StoredObject {
  return { ...account, deleted: true };
}

/** Whether a charge can move money to a platform or a destination: it was captured. */
function capturedCharge(charge: StoredObject): boolean {
  return charge['captured'] === true && charge['status'] === 'succeeded';
}

export interface ConnectSettlementIds {
  transfer: string;
  destinationPayment: string;
  applicationFee: string;
}

export interface ConnectSettlement {
  /** The charge with `transfer`, `application_fee` and `application` filled in. */
  charge: StoredObject;
  /** Objects of the charge's own account (the transfer and the fee of a destination charge). */
  sameAccount: StoredObject[];
  sameAccountEvents: DomainEvent[];
  /** Objects of another account: the platform's fee of a direct charge, the destination's payment. */
  otherAccount: { accountId: string; objects: StoredObject[]; events: DomainEvent[] } | null;
}

export interface ConnectSettlementInput {
  charge: StoredObject;
  /** The account the charge belongs to. */
  accountId: string;
  /** The platform when `accountId` is a connected account (a direct charge), else null. */
  platformId: string | null;
  /** The Connect application (`ca_`) of the platform that collects a fee. */
  applicationId: string;
  ids: ConnectSettlementIds;
  nowMs: number;
}

function applicationFee(input: {
  id: string;
  amount: number;
  currency: string;
  account: string;
  application: string;
  charge: string;
  originatingTransaction: string | null;
  nowMs: number;
}): StoredObject {
  return {
    id: input.id,
    object: 'application_fee',
    account: input.account,
    amount: input.amount,
    amount_refunded: 0,
    application: input.application,
    balance_transaction: null,
    charge: input.charge,
    created: secondsOf(input.nowMs),
    currency: input.currency,
    fee_source: { charge: input.charge, type: 'charge' },
    livemode: false,
    originating_transaction: input.originatingTransaction,
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/application_fees/${input.id}/refunds`,
    },
  };
}

/**
 * What capturing a Connect charge moves, once (the charge records that it was settled). A
 * destination charge (`transfer_data[destination]`) transfers the captured amount — or
 * `transfer_data[amount]` — to the destination, where it arrives as a payment (`py_`); its
 * `application_fee_amount` then comes back from the destination as an application fee. A direct
 * charge (made on a connected account through `Stripe-Account`) with `application_fee_amount`
 * pays that fee to the platform. Null when the charge moves nothing (not captured, not Connect,
 * or already settled).
 */
export function settleConnectCharge(input: ConnectSettlementInput): ConnectSettlement | null {
  const { charge, nowMs, ids } = input;
  const internal = charge._internal ?? {};
  if (internal['connectSettled'] === true || !capturedCharge(charge)) return null;
  const transferData = charge['transfer_data'] as { amount: number | null; destination: string } | null;
  const feeAmount = (charge['application_fee_amount'] as number | null) ?? 0;
  const direct = input.platformId !== null && feeAmount > 0;
  if (transferData === null && !direct) return null;
  const currency = String(charge['currency']);
  const settled: StoredObject = { ...charge, _internal: { ...internal, connectSettled: true } };

  if (transferData === null) {
    const fee = applicationFee({
      id: ids.applicationFee,
      amount: feeAmount,
      currency,
      account: input.accountId,
      application: input.applicationId,
      charge: charge.id,
      originatingTransaction: null,
      nowMs,
    });
    settled['application_fee'] = fee.id;
    settled['application'] = input.applicationId;
    return {
      charge: settled,
      sameAccount: [],
      sameAccountEvents: [],
      otherAccount: {
        accountId: must(input.platformId, 'the platform of the connected account'),
        objects: [fee],
        events: [{ type: 'application_fee.created', object: fee }],
      },
    };
  }

  const amountCaptured = Number(charge['amount_captured']);
  const transferAmount = Math.min(transferData.amount ?? amountCaptured, amountCaptured);
  const destination = transferData.destination;
  const created = secondsOf(nowMs);
  const fee =
    feeAmount > 0
      ? applicationFee({
          id: ids.applicationFee,
          amount: feeAmount,
          currency,
          account: destination,
          application: input.applicationId,
          charge: ids.destinationPayment,
          originatingTransaction: charge.id,
          nowMs,
        })
      : null;
  const transfer: StoredObject = {
    id: ids.transfer,
    object: 'transfer',
    amount: transferAmount,
    amount_reversed: 0,
    balance_transaction: null,
    created,
    currency,
    description: null,
    destination,
    destination_payment: ids.destinationPayment,
    livemode: false,
    metadata: {},
    reversals: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/transfers/${ids.transfer}/reversals`,
    },
    reversed: false,
    source_transaction: charge.id,
    source_type: 'card',
    transfer_group: (charge['transfer_group'] as string | null) ?? null,
  };
  const payment = destinationPayment({
    id: ids.destinationPayment,
    amount: transferAmount,
    currency,
    transfer: transfer.id,
    applicationFee: fee?.id ?? null,
    applicationFeeAmount: fee ? feeAmount : null,
    application: fee ? input.applicationId : null,
    nowMs,
  });
  settled['transfer'] = transfer.id;
  if (fee) settled['application_fee'] = fee.id;
  const sameAccount = fee ? [transfer, fee] : [transfer];
  const events: DomainEvent[] = [{ type: 'transfer.created', object: transfer }];
  if (fee) events.push({ type: 'application_fee.created', object: fee });
  return {
    charge: settled,
    sameAccount,
    sameAccountEvents: events,
    otherAccount: { accountId: destination, objects: [payment], events: [] },
  };
}

/** The payment (`py_`) a destination charge's transfer makes on the connected account: a charge of its own. */
function destinationPayment(input: {
  id: string;
  amount: number;
  currency: string;
  transfer: string;
  applicationFee: string | null;
  applicationFeeAmount: number | null;
  application: string | null;
  nowMs: number;
}): StoredObject {
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: input.amount,
    amount_refunded: 0,
    application: input.application,
    application_fee: input.applicationFee,
    application_fee_amount: input.applicationFeeAmount,
    balance_transaction: null,
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: null,
    captured: true,
    created: secondsOf(input.nowMs),
    currency: input.currency,
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: null,
    failure_message: null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: null,
    paid: true,
    payment_intent: null,
    payment_method: null,
    payment_method_details: null,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: input.transfer,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'succeeded',
    transfer_data: null,
    transfer_group: null,
  };
}
