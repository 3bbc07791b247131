/**
 * `expand[]`: replaces an id with the object it names, for the fields Stripe types expandable
 * (`string | Object` in stripe-node), nested ones included (`action.process_payment_intent.payment_intent`
 * inside a reader's action, `transfer_data.destination`), to a depth of `expandDepthMax`; on a
 * list every path starts with `data.`. The table is Stripe's own list for each object OpenTill
 * serves: apps/opentill/src/e2e/conformance-expand.test.ts checks it against the paths generated
 * from stripe-node's types and expands every one of them through stripe-node.
 */
import { ApiError, limits, type StoredObject } from '@opentill/core';
import type { Engine, RequestContext } from '@opentill/engine';

const expandable: Record<string, readonly string[]> = {
  payment_intent: [
    'application',
    'customer',
    'latest_charge',
    'on_behalf_of',
    'payment_method',
    'payment_record',
    'review',
    'source',
    'transfer_data.destination',
  ],
  charge: [
    'application',
    'application_fee',
    'balance_transaction',
    'customer',
    'failure_balance_transaction',
    'on_behalf_of',
    'payment_intent',
    'payment_method_details.bancontact.generated_sepa_debit',
    'payment_method_details.bancontact.generated_sepa_debit_mandate',
    'payment_method_details.card.mandate',
    'payment_method_details.ideal.generated_sepa_debit',
    'payment_method_details.ideal.generated_sepa_debit_mandate',
    'payment_method_details.sofort.generated_sepa_debit',
    'payment_method_details.sofort.generated_sepa_debit_mandate',
    'payment_method_details.us_bank_account.mandate',
    'review',
    'source_transfer',
    'transfer',
    'transfer_data.destination',
  ],
  refund: [
    'balance_transaction',
    'charge',
    'customer',
    'failure_balance_transaction',
    'payment_intent',
    'payment_method',
    'source_transfer_reversal',
    'transfer_reversal',
  ],
  payment_method: [
    'card.generated_from.setup_attempt',
    'customer',
    'sepa_debit.generated_from.charge',
    'sepa_debit.generated_from.setup_attempt',
  ],
  setup_intent: [
    'application',
    'customer',
    'latest_attempt',
    'mandate',
    'on_behalf_of',
    'payment_method',
    'single_use_mandate',
  ],
  setup_attempt: [
    'application',
    'customer',
    'on_behalf_of',
    'payment_method',
    'payment_method_details.bancontact.generated_sepa_debit',
    'payment_method_details.bancontact.generated_sepa_debit_mandate',
    'payment_method_details.card_present.generated_card',
    'payment_method_details.ideal.generated_sepa_debit',
    'payment_method_details.ideal.generated_sepa_debit_mandate',
    'payment_method_details.sofort.generated_sepa_debit',
    'payment_method_details.sofort.generated_sepa_debit_mandate',
    'setup_intent',
  ],
  'terminal.reader': [
    'action.collect_payment_method.payment_intent',
    'action.confirm_payment_intent.payment_intent',
    'action.process_payment_intent.payment_intent',
    'action.process_setup_intent.setup_intent',
    'action.refund_payment.charge',
    'action.refund_payment.payment_intent',
    'action.refund_payment.refund',
    'location',
  ],
  'terminal.location': [],
  // Customers and Connect (their routes register theirs too; kept once each).
  customer: ['default_source', 'invoice_settings.default_payment_method', 'test_clock'],
  account: [
    'company.verification.document.back',
    'company.verification.document.front',
    'settings.branding.icon',
    'settings.branding.logo',
    'settings.invoices.default_account_tax_ids',
  ],
  transfer: ['balance_transaction', 'destination', 'destination_payment', 'source_transaction'],
  transfer_reversal: ['balance_transaction', 'destination_payment_refund', 'source_refund', 'transfer'],
  application_fee: ['account', 'application', 'balance_transaction', 'charge', 'originating_transaction'],
  fee_refund: ['balance_transaction', 'fee'],
  balance_transaction: ['source'],
  'terminal.configuration': [
    'bbpos_wisepad3.splashscreen',
    'bbpos_wisepos_e.splashscreen',
    'stripe_s700.splashscreen',
    'stripe_s710.splashscreen',
    'stripe_t600.splashscreen',
    'verifone_m425.splashscreen',
    'verifone_p400.splashscreen',
    'verifone_p630.splashscreen',
    'verifone_ux700.splashscreen',
    'verifone_v660p.splashscreen',
  ],
};

/** The `expand[]` paths of each object type (for the conformance test). */
export function expandablePathsOf(objectType: string): readonly string[] {
  return expandable[objectType] ?? [];
}

export function registerExpandable(objectType: string, fields: readonly string[]): void {
  // Once each: the table already lists every path Stripe types expandable.
  expandable[objectType] = [...new Set([...(expandable[objectType] ?? []), ...fields])];
}

/**
 * Stripe's limit counts every segment of the path as sent, `data.` of a list included
 * (`data.latest_charge.payment_intent.payment_method.x` is 5 levels).
 */
function checkDepth(path: string): void {
  if (path.split('.').length > limits.expandDepthMax) {
    throw new ApiError(
      'property_expansion_max_depth',
      `You cannot expand more than ${limits.expandDepthMax} levels of a property. Property: ${path}`,
      { param: 'expand' },
    );
  }
}

/**
 * `parent`: the path already walked (for the message, which names the whole dotted path as Stripe
 * does: `This property cannot be expanded (latest_charge.foo).`).
 */
export async function expandObject(
  engine: Engine,
  ctx: RequestContext,
  object: StoredObject,
  paths: readonly string[],
  parent = '',
): Promise<StoredObject> {
  if (paths.length === 0) return object;
  // Each expandable field (a dotted path in the object) with what to expand inside the object it names.
  const byField = new Map<string, string[]>();
  const fields = expandable[object.object] ?? [];
  for (const path of paths) {
    if (parent === '') checkDepth(path);
    const field = fields.find((candidate) => path === candidate || path.startsWith(`${candidate}.`));
    if (field === undefined) {
      // Named down to the first segment that leads to no expandable field (`action.nonsense`).
      const parts = path.split('.');
      let known = 0;
      while (
        known < parts.length - 1 &&
        fields.some((candidate) => `${candidate}.`.startsWith(`${parts.slice(0, known + 1).join('.')}.`))
      )
        known += 1;
      throw new ApiError(
        'invalid_request_body',
        `This property cannot be expanded (${parent}${parts.slice(0, known + 1).join('.')}).`,
        { param: 'expand' },
      );
    }
    const nested = byField.get(field) ?? [];
    if (path.length > field.length) nested.push(path.slice(field.length + 1));
    byField.set(field, nested);
  }
  let out: StoredObject = object;
  for (const [field, nested] of byField) {
    out = (await expandAt(engine, ctx, out, field.split('.'), nested, `${parent}${field}.`)) as StoredObject;
  }
  return out;
}

/** The value with the id at `parts` replaced by its object (copies along the way; through arrays). */
async function expandAt(
  engine: Engine,
  ctx: RequestContext,
  value: unknown,
  parts: readonly string[],
  nested: readonly string[],
  parent: string,
): Promise<unknown> {
  if (parts.length === 0) {
    if (typeof value === 'string') {
      const record = await engine.store.get(ctx.accountId, value);
      // A deleted object expands to Stripe's stub (`{id, object, deleted: true}`), as a retrieve shows it.
      if (record && record.object['deleted'] === true)
        return { id: record.object.id, object: record.object.object, deleted: true };
      return record ? expandObject(engine, ctx, record.object, nested, parent) : value;
    }
    return value;
  }
  if (Array.isArray(value)) return Promise.all(value.map((item) => expandAt(engine, ctx, item, parts, nested, parent)));
  if (value === null || typeof value !== 'object') return value;
  const [head, ...rest] = parts as [string, ...string[]];
  const record = value as Record<string, unknown>;
  if (!(head in record)) return value;
  return { ...record, [head]: await expandAt(engine, ctx, record[head], rest, nested, parent) };
}

/** Expands each item of a list for `expand[]=data.x` paths; other paths are invalid on lists. */
export async function expandList(
  engine: Engine,
  ctx: RequestContext,
  items: StoredObject[],
  paths: readonly string[],
): Promise<StoredObject[]> {
  if (paths.length === 0) return items;
  const itemPaths: string[] = [];
  for (const path of paths) {
    checkDepth(path);
    // `expand[]=data` names the list's items themselves: nothing to expand, as on Stripe.
    if (path === 'data') continue;
    if (!path.startsWith('data.')) {
      throw new ApiError(
        'invalid_request_body',
        `This property cannot be expanded (${path}). You may want to try expanding 'data.${path}' instead.`,
        { param: 'expand' },
      );
    }
    itemPaths.push(path.slice('data.'.length));
  }
  return Promise.all(items.map((item) => expandObject(engine, ctx, item, itemPaths, 'data.')));
}
