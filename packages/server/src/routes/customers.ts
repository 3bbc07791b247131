/** `/v1/customers` (and a customer's PaymentMethods): who a saved card belongs to. */
import { ApiError, buildAddress, limits, type CustomerFields, type CustomerShipping } from '@opentill/core';
import type { Filter } from '@opentill/engine';
import {
  array,
  id,
  int,
  listParams,
  mergeMetadata,
  metadata,
  object,
  oneOf,
  parseParams,
  str,
  type Infer,
} from '@opentill/protocol';
import type { App } from '../app.js';
import { expandList, expandObject, registerExpandable } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

const text = (maxLength = 5000) => str({ maxLength });
const addressFields = {
  city: text().orEmpty(),
  country: text(2).orEmpty(),
  line1: text().orEmpty(),
  line2: text().orEmpty(),
  postal_code: text().orEmpty(),
  state: text().orEmpty(),
};
const shipping = object({
  address: object(addressFields).req(),
  name: text(256).req(),
  phone: text(20).orEmpty(),
});
/** Stripe's customer email limit is 512 characters. */
const email = text(512);

const customerFields = {
  address: object(addressFields).orEmpty(),
  balance: int({ min: -limits.amountMax, max: limits.amountMax }),
  description: text(350).orEmpty(),
  email: email.orEmpty(),
  invoice_prefix: text(12),
  invoice_settings: object({ default_payment_method: id().orEmpty(), footer: text(5000).orEmpty() }),
  metadata: metadata(),
  name: text(256).orEmpty(),
  next_invoice_sequence: int({ min: 1, max: 1_000_000_000 }),
  phone: text(20).orEmpty(),
  preferred_locales: array(text(20), { max: 10 }).orEmpty(),
  shipping: shipping.orEmpty(),
  tax_exempt: oneOf(['none', 'exempt', 'reverse'] as const).orEmpty(),
};
const createSchema = { ...customerFields, payment_method: id() };
const listSchema = { ...listParams, email: email, test_clock: text(255) };
const searchSchema = { query: text(1000).req(), limit: listParams.limit, page: text(limits.searchPageTokenLengthMax) };
const paymentMethodListSchema = {
  ...listParams,
  type: oneOf(['card', 'card_present', 'interac_present'] as const),
  allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
};

/** Stripe checks the shape of an email address (`email_invalid`). */
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkEmail(value: string | null | undefined): void {
  if (typeof value === 'string' && !emailPattern.test(value)) {
    throw new ApiError('email_invalid', `Invalid email address: ${value.slice(0, 100)}`, { param: 'email' });
  }
}

function fieldsOf(p: Infer<typeof customerFields>): Omit<CustomerFields, 'metadata'> {
  checkEmail(p.email);
  const out: Omit<CustomerFields, 'metadata'> = {};
  if (p.address !== undefined) out.address = p.address === null ? null : buildAddress(p.address);
  if (p.balance !== undefined) out.balance = p.balance;
  if (p.description !== undefined) out.description = p.description;
  if (p.email !== undefined) out.email = p.email;
  if (p.invoice_prefix !== undefined) out.invoice_prefix = p.invoice_prefix;
  if (p.invoice_settings?.default_payment_method !== undefined)
    out.invoiceDefaultPaymentMethod = p.invoice_settings.default_payment_method;
  if (p.invoice_settings?.footer !== undefined) out.invoiceFooter = p.invoice_settings.footer;
  if (p.name !== undefined) out.name = p.name;
  if (p.next_invoice_sequence !== undefined) out.next_invoice_sequence = p.next_invoice_sequence;
  if (p.phone !== undefined) out.phone = p.phone;
  if (p.preferred_locales !== undefined) out.preferred_locales = p.preferred_locales ?? [];
  if (p.shipping !== undefined) {
    out.shipping =
      p.shipping === null
        ? null
        : ({
            address: buildAddress(p.shipping.address),
            carrier: null,
            name: p.shipping.name,
            phone: p.shipping.phone ?? null,
            tracking_number: null,
          } satisfies CustomerShipping);
  }
  if (p.tax_exempt !== undefined) out.tax_exempt = p.tax_exempt;
  return out;
}

export function registerCustomers(app: App, services: Services): void {
  const { engine, customers } = services;
  const idOf = (request: { params: unknown }) => (request.params as { id: string }).id;
  registerExpandable('customer', ['default_source', 'test_clock']);
  registerExpandable('payment_method', ['customer']);

  app.route(
    'POST',
    '/v1/customers',
    async (_request, ctx, raw) => {
      const p = parseParams(createSchema, raw);
      const customer = await customers.create(ctx, {
        ...fieldsOf(p),
        metadata: mergeMetadata({}, p.metadata),
        ...(p.payment_method !== undefined ? { paymentMethod: p.payment_method } : {}),
      });
      return expandObject(engine, ctx, customer, p.expand ?? []);
    },
    { resultType: 'customer' },
  );

  // Registered before `/v1/customers/:id` reads it: a static segment wins in the router anyway.
  app.route('GET', '/v1/customers/search', async (_request, ctx, raw) => {
    const p = parseParams(searchSchema, raw);
    const page = await customers.search(ctx, p.query, p.limit ?? limits.listLimitDefault, p.page);
    return {
      object: 'search_result',
      data: await expandList(engine, ctx, page.data, p.expand ?? []),
      has_more: page.hasMore,
      next_page: page.nextPage,
      url: '/v1/customers/search',
    };
  });

  app.route('GET', '/v1/customers/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const customer = await customers.retrieve(ctx, idOf(request));
    if ('deleted' in customer) return customer;
    return expandObject(engine, ctx, customer, p.expand ?? []);
  });

  app.route('POST', '/v1/customers/:id', async (request, ctx, raw) => {
    const p = parseParams(customerFields, raw);
    const customer = await customers.update(ctx, idOf(request), {
      ...fieldsOf(p),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
    });
    return expandObject(engine, ctx, customer, p.expand ?? []);
  });

  app.route('DELETE', '/v1/customers/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return customers.delete(ctx, idOf(request));
  });

  app.route('GET', '/v1/customers', async (_request, ctx, raw) => {
    const p = parseParams(listSchema, raw);
    const filters: Filter[] = [{ field: 'deleted', op: 'eq', value: null }];
    if (p.email !== undefined) filters.push({ field: 'email', op: 'eq', value: p.email });
    // OpenTill has no test clocks: a customer never belongs to one.
    if (p.test_clock !== undefined) filters.push({ field: 'test_clock', op: 'eq', value: p.test_clock });
    return listObjects(engine, ctx, '/v1/customers', 'customer', p, filters);
  });

  app.route('GET', '/v1/customers/:id/payment_methods', async (request, ctx, raw) => {
    const p = parseParams(paymentMethodListSchema, raw);
    const customer = await customers.requireLive(ctx, idOf(request));
    const filters: Filter[] = [{ field: 'customer', op: 'eq', value: customer.id }];
    if (p.type !== undefined) filters.push({ field: 'type', op: 'eq', value: p.type });
    if (p.allow_redisplay !== undefined) filters.push({ field: 'allow_redisplay', op: 'eq', value: p.allow_redisplay });
    return listObjects(engine, ctx, `/v1/customers/${customer.id}/payment_methods`, 'payment_method', p, filters);
  });

  app.route('GET', '/v1/customers/:id/payment_methods/:paymentMethod', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const customer = await customers.requireLive(ctx, idOf(request));
    const paymentMethodId = (request.params as { paymentMethod: string }).paymentMethod;
    const paymentMethod = await services.paymentMethods.retrieve(ctx, paymentMethodId);
    if (paymentMethod.customer !== customer.id) {
      throw new ApiError('resource_missing', `No such PaymentMethod: '${paymentMethodId}'`, {
        param: 'payment_method',
      });
    }
    return expandObject(engine, ctx, paymentMethod, p.expand ?? []);
  });
}
