/** `/v1/refunds` */

import type { Filter } from '@opentill/engine';
import {
  amount,
  currency,
  id,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
  bool,
} from '@opentill/protocol';
import type { App } from '../app.js';
import { expandObject } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

export function registerRefunds(app: App, services: Services): void {
  const { engine, refunds } = services;

  app.route(
    'POST',
    '/v1/refunds',
    async (_request, ctx, raw) => {
      const p = parseParams(
        {
          amount: amount(),
          charge: id(),
          currency: currency(),
          customer: str({ maxLength: 255 }),
          instructions_email: str({ maxLength: 800 }),
          metadata: metadata(),
          payment_intent: id(),
          reason: oneOf(['duplicate', 'fraudulent', 'requested_by_customer'] as const),
          refund_application_fee: bool(),
          reverse_transfer: bool(),
        },
        raw,
      );
      const refund = await refunds.create(ctx, {
        ...(p.charge !== undefined ? { charge: p.charge } : {}),
        ...(p.payment_intent !== undefined ? { paymentIntent: p.payment_intent } : {}),
        ...(p.amount !== undefined ? { amount: p.amount } : {}),
        ...(p.instructions_email !== undefined ? { instructionsEmail: p.instructions_email } : {}),
        reason: p.reason ?? null,
        metadata: mergeMetadata({}, p.metadata),
      });
      return expandObject(engine, ctx, refund, p.expand ?? []);
    },
    { resultType: 'refund' },
  );

  app.route('GET', '/v1/refunds/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(
      engine,
      ctx,
      await refunds.retrieve(ctx, (request.params as { id: string }).id),
      p.expand ?? [],
    );
  });

  app.route('POST', '/v1/refunds/:id', async (request, ctx, raw) => {
    const p = parseParams({ metadata: metadata() }, raw);
    const refund = await refunds.update(ctx, (request.params as { id: string }).id, (m) =>
      mergeMetadata(m, p.metadata),
    );
    return expandObject(engine, ctx, refund, p.expand ?? []);
  });

  app.route('POST', '/v1/refunds/:id/cancel', async (request, ctx, raw) => {
    parseParams({}, raw);
    return refunds.cancel(ctx, (request.params as { id: string }).id);
  });

  app.route('GET', '/v1/refunds', async (_request, ctx, raw) => {
    const p = parseParams(
      { ...listParams, charge: str({ maxLength: 255 }), payment_intent: str({ maxLength: 255 }) },
      raw,
    );
    const filters: Filter[] = [];
    if (p.charge !== undefined) filters.push({ field: 'charge', op: 'eq', value: p.charge });
    if (p.payment_intent !== undefined) filters.push({ field: 'payment_intent', op: 'eq', value: p.payment_intent });
    return listObjects(engine, ctx, '/v1/refunds', 'refund', p, filters);
  });
}
