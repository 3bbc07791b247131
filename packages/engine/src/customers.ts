/**
 * Customer commands: CRUD over `customer` documents, search (a bounded scan of the account's
 * customers through the pure matcher), and the check every `customer` parameter goes through.
 */
import {
  ApiError,
  attachPaymentMethodToCustomer,
  errors,
  createCustomer,
  customerSearchFields,
  deleteCustomer,
  deletedCustomer,
  limits,
  matchesSearch,
  parseSearchQuery,
  updateCustomer,
  type Customer,
  type CustomerFields,
  type DeletedCustomer,
  type Metadata,
} from '@opentill/core';
import { canExist, versionsOf, type Engine, type RequestContext } from './engine.js';
import { kinds } from './kinds.js';

/**
 * A `customer` parameter must name a live customer of the account (a deleted one is missing too),
 * or Stripe answers `resource_missing` on `customer`. Null and undefined (unset, not given) pass.
 */
export async function requireCustomer(
  engine: Engine,
  ctx: RequestContext,
  id: string | null | undefined,
  param = 'customer',
): Promise<Customer | null> {
  if (typeof id !== 'string') return null;
  const record = await engine.find<Customer>(ctx, id);
  if (record === null || record.object.object !== 'customer' || record.object['deleted'] === true) {
    throw errors.missingInParam('customer', id, param);
  }
  return record.object;
}

export interface SearchPage {
  data: Customer[];
  hasMore: boolean;
  /** The `page` that continues this search, or null on the last page. */
  nextPage: string | null;
}

/** `next_page` tokens: opaque to clients; here the id of the last customer looked at. */
function pageToken(customerId: string): string {
  return Buffer.from(customerId, 'utf8').toString('base64url');
}

function cursorOf(page: string): string {
  const id = page.length <= limits.searchPageTokenLengthMax ? Buffer.from(page, 'base64url').toString('utf8') : '';
  if (!/^cus_[A-Za-z0-9]+$/.test(id) || !canExist(id)) {
    throw new ApiError(
      'invalid_request_body',
      `Invalid page: ${page.slice(0, 40)}. Use the next_page of a previous search.`,
      { param: 'page' },
    );
  }
  return id;
}

export class Customers {
  constructor(private readonly engine: Engine) {}

  async create(ctx: RequestContext, fields: CustomerFields & { paymentMethod?: string }): Promise<Customer> {
    const { paymentMethod: paymentMethodId, ...customerFields } = fields;
    const found = await this.engine.find(ctx, paymentMethodId);
    const paymentMethod = found?.object.object === 'payment_method' ? found : null;
    if (paymentMethod === null && paymentMethodId !== undefined)
      throw errors.missingInParam('PaymentMethod', paymentMethodId, 'payment_method');
    const defaultMethod = customerFields.invoiceDefaultPaymentMethod;
    if (typeof defaultMethod === 'string' && defaultMethod !== paymentMethodId) throw notAttached(defaultMethod);
    const id = this.engine.ids.next('cus');
    const created = createCustomer({ id, invoicePrefix: invoicePrefixOf(id), fields: customerFields }, ctx.nowMs);
    const attached = paymentMethod ? attachPaymentMethodToCustomer(paymentMethod.object, id) : null;
    await this.engine.commit(
      ctx,
      [created.customer, ...(attached?.changed ?? [])],
      [...created.events, ...(attached?.events ?? [])],
      versionsOf(paymentMethod),
    );
    return created.customer;
  }

  /** A deleted customer reads as Stripe's stub `{id, object, deleted: true}`. */
  async retrieve(ctx: RequestContext, id: string): Promise<Customer | DeletedCustomer> {
    const record = canExist(id) ? await this.engine.store.get<Customer>(ctx.accountId, id) : null;
    if (record === null || record.object.object !== 'customer') {
      throw new ApiError('resource_missing', `No such customer: '${id}'`, { param: 'id' });
    }
    return record.object['deleted'] === true ? deletedCustomer(id) : record.object;
  }

  async update(
    ctx: RequestContext,
    id: string,
    fields: Omit<CustomerFields, 'metadata'> & {
      metadataPatch?: (m: Metadata) => Metadata;
    },
  ): Promise<Customer> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.customer, id);
      const { metadataPatch, ...rest } = fields;
      const defaultMethod = rest.invoiceDefaultPaymentMethod;
      if (typeof defaultMethod === 'string') {
        const paymentMethod = await this.engine.find(ctx, defaultMethod);
        if (paymentMethod?.object.object !== 'payment_method' || paymentMethod.object['customer'] !== id)
          throw notAttached(defaultMethod);
      }
      const transition = updateCustomer(record.object, {
        ...rest,
        ...(metadataPatch ? { metadata: metadataPatch(record.object.metadata) } : {}),
      });
      if (transition.changed.length > 0)
        await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record));
      return transition.customer;
    });
  }

  async delete(ctx: RequestContext, id: string): Promise<DeletedCustomer> {
    return this.engine.retrying(async () => {
      const record = await this.engine.load(ctx, kinds.customer, id);
      const transition = deleteCustomer(record.object);
      await this.engine.commit(ctx, transition.changed, transition.events, versionsOf(record));
      return transition.deleted;
    });
  }

  /**
   * `GET /v1/customers/search`: the account's live customers, newest first, that match the query.
   * At most `customerSearchScanMax` customers are looked at per request; a page cut short there
   * still has `has_more` and a `next_page` that continues after the last one looked at.
   */
  async search(
    ctx: RequestContext,
    query: string,
    limit: number,
    page: string | undefined,
    scanMax: number = limits.customerSearchScanMax,
  ): Promise<SearchPage> {
    const parsed = parseSearchQuery(query, customerSearchFields);
    let cursor = page !== undefined ? cursorOf(page) : undefined;
    const data: Customer[] = [];
    let scanned = 0;
    for (;;) {
      const batch = await this.engine.store.list<Customer>({
        accountId: ctx.accountId,
        type: 'customer',
        limit: limits.listLimitMax,
        ...(cursor !== undefined ? { startingAfter: cursor } : {}),
        filters: [{ field: 'deleted', op: 'eq', value: null }],
      });
      for (const customer of batch.data) {
        scanned += 1;
        if (!matchesSearch(customer, parsed)) continue;
        if (data.length === limit) return { data, hasMore: true, nextPage: pageToken(data[data.length - 1]!.id) };
        data.push(customer);
      }
      const last = batch.data[batch.data.length - 1];
      if (!batch.hasMore || last === undefined) return { data, hasMore: false, nextPage: null };
      if (scanned >= scanMax) return { data, hasMore: true, nextPage: pageToken(last.id) };
      cursor = last.id;
    }
  }

  /** The customer's PaymentMethods are listed by the route; this checks the customer first (404 otherwise). */
  async requireLive(ctx: RequestContext, id: string): Promise<Customer> {
    return (await this.engine.load(ctx, kinds.customer, id, 'customer')).object;
  }
}

/** Stripe derives an 8-character upper-case prefix per customer; ours comes from the (random) id. */
function invoicePrefixOf(id: string): string {
  const letters = id
    .slice('cus_'.length)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
  return (letters + 'XXXXXXXX').slice(0, 8);
}

function notAttached(paymentMethodId: string): ApiError {
  return new ApiError(
    'resource_missing',
    `The customer does not have a payment method with the ID ${paymentMethodId}. The payment method must be attached to the customer.`,
    { param: 'invoice_settings[default_payment_method]' },
    {},
    400,
  );
}
