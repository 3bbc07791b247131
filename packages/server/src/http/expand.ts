/**
 * `expand[]`: replaces an id with the object it names, for the fields Stripe marks expandable,
 * to a depth of `expandDepthMax` (`data.` prefixes on lists are handled by the caller).
 */
import { ApiError, limits, type StoredObject } from '@opentill/core';
import type { Engine, RequestContext } from '@opentill/engine';

const expandable: Record<string, readonly string[]> = {
  payment_intent: ['latest_charge', 'payment_method', 'customer', 'application', 'on_behalf_of', 'review'],
  charge: ['payment_intent', 'payment_method', 'balance_transaction', 'customer', 'application', 'review'],
  refund: ['charge', 'payment_intent', 'balance_transaction'],
  setup_intent: ['payment_method', 'latest_attempt', 'customer', 'mandate'],
  'terminal.reader': ['location'],
  'terminal.location': ['configuration_overrides'],
};

export function registerExpandable(objectType: string, fields: readonly string[]): void {
  expandable[objectType] = [...(expandable[objectType] ?? []), ...fields];
}

/**
 * Stripe's limit counts every segment of the path as sent, `data.` of a list included
 * (`data.latest_charge.payment_intent.payment_method.x` is 5 levels).
 */
function checkDepth(path: string): void {
  if (path.split('.').length > limits.expandDepthMax) {
    throw new ApiError('property_expansion_max_depth',
      `You cannot expand more than ${limits.expandDepthMax} levels of a property. Property: ${path}`, { param: 'expand' });
  }
}

/**
 * `parent`: the path already walked (for the message, which names the whole dotted path as Stripe
 * does: `This property cannot be expanded (latest_charge.foo).`).
 */
export async function expandObject(engine: Engine, ctx: RequestContext, object: StoredObject,
  paths: readonly string[], parent = ''): Promise<StoredObject> {
  if (paths.length === 0) return object;
  const byField = new Map<string, string[]>();
  for (const path of paths) {
    if (parent === '') checkDepth(path);
    const parts = path.split('.');
    const [field, ...rest] = parts as [string, ...string[]];
    if (!(expandable[object.object] ?? []).includes(field)) {
      throw new ApiError('invalid_request_body', `This property cannot be expanded (${parent}${field}).`, { param: 'expand' });
    }
    const nested = byField.get(field) ?? [];
    if (rest.length > 0) nested.push(rest.join('.'));
    byField.set(field, nested);
  }
  const out: StoredObject = { ...object };
  for (const [field, nested] of byField) {
    const value = object[field];
    if (typeof value !== 'string') continue;
    const record = await engine.store.get(ctx.accountId, value);
    // A deleted object expands to Stripe's stub (`{id, object, deleted: true}`), as a retrieve shows it.
    if (record && record.object['deleted'] === true) out[field] = { id: record.object.id, object: record.object.object, deleted: true };
    else if (record) out[field] = await expandObject(engine, ctx, record.object, nested, `${parent}${field}.`);
  }
  return out;
}

/** Expands each item of a list for `expand[]=data.x` paths; other paths are invalid on lists. */
export async function expandList(engine: Engine, ctx: RequestContext, items: StoredObject[],
  paths: readonly string[]): Promise<StoredObject[]> {
  if (paths.length === 0) return items;
  const itemPaths: string[] = [];
  for (const path of paths) {
    checkDepth(path);
    // `expand[]=data` names the list's items themselves: nothing to expand, as on Stripe.
    if (path === 'data') continue;
    if (!path.startsWith('data.')) {
      throw new ApiError('invalid_request_body',
        `This property cannot be expanded (${path}). You may want to try expanding 'data.${path}' instead.`, { param: 'expand' });
    }
    itemPaths.push(path.slice('data.'.length));
  }
  return Promise.all(items.map((item) => expandObject(engine, ctx, item, itemPaths, 'data.')));
}
