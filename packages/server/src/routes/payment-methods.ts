/**
 * `/v1/payment_methods`: card-present PaymentMethods come from card reads; the reusable `card` ones
 * generated from them can be attached to and detached from customers.
 */
import { id, listParams, oneOf, parseParams, str } from '@opentill/protocol';
import type { Filter } from '@opentill/engine';
import type { App } from '../app.js';
import { expandObject } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

export function registerPaymentMethods(app: App, services: Services): void {
  const { engine, paymentMethods } = services;

  app.route('GET', '/v1/payment_methods/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const paymentMethod = await paymentMethods.retrieve(ctx, (request.params as { id: string }).id);
    return expandObject(engine, ctx, paymentMethod, p.expand ?? []);
  });

  app.route('GET', '/v1/payment_methods', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        ...listParams,
        type: oneOf(['card_present', 'interac_present', 'card'] as const),
        customer: str({ maxLength: 255 }),
        allow_redisplay: oneOf(['always', 'limited', 'unspecified'] as const),
      },
      raw,
    );
    const filters: Filter[] = [];
    if (p.type !== undefined) filters.push({ field: 'type', op: 'eq', value: p.type });
    if (p.customer !== undefined) filters.push({ field: 'customer', op: 'eq', value: p.customer });
    if (p.allow_redisplay !== undefined) filters.push({ field: 'allow_redisplay', op: 'eq', value: p.allow_redisplay });
    return listObjects(engine, ctx, '/v1/payment_methods', 'payment_method', p, filters);
  });

  app.route(
    'POST',
    '/v1/payment_methods/:id/attach',
    async (request, ctx, raw) => {
      const p = parseParams({ customer: id().req() }, raw);
      const paymentMethod = await paymentMethods.attach(ctx, (request.params as { id: string }).id, p.customer);
      return expandObject(engine, ctx, paymentMethod, p.expand ?? []);
    },
    { resultType: 'payment_method' },
  );

  app.route(
    'POST',
    '/v1/payment_methods/:id/detach',
    async (request, ctx, raw) => {
      const p = parseParams({}, raw);
      const paymentMethod = await paymentMethods.detach(ctx, (request.params as { id: string }).id);
      return expandObject(engine, ctx, paymentMethod, p.expand ?? []);
    },
    { resultType: 'payment_method' },
  );
}
