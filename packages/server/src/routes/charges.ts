/** `/v1/charges`: charges are created by confirming PaymentIntents; here they are read and annotated. */
import { limits, type Metadata } from '@opentill/core';
import { kinds, versionsOf, type Filter } from '@opentill/engine';
import { listParams, mergeMetadata, metadata, object, oneOf, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import { expandObject } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

export function registerCharges(app: App, services: Services): void {
  const { engine } = services;

  app.route('GET', '/v1/charges/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const charge = await engine.load(ctx, kinds.charge, (request.params as { id: string }).id);
    return expandObject(engine, ctx, charge.object, p.expand ?? []);
  });

  app.route('GET', '/v1/charges', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        ...listParams,
        customer: str({ maxLength: 255 }),
        payment_intent: str({ maxLength: 255 }),
        transfer_group: str({ maxLength: 255 }),
      },
      raw,
    );
    const filters: Filter[] = [];
    if (p.customer !== undefined) filters.push({ field: 'customer', op: 'eq', value: p.customer });
    if (p.payment_intent !== undefined) filters.push({ field: 'payment_intent', op: 'eq', value: p.payment_intent });
    if (p.transfer_group !== undefined) filters.push({ field: 'transfer_group', op: 'eq', value: p.transfer_group });
    return listObjects(engine, ctx, '/v1/charges', 'charge', p, filters);
  });

  app.route('POST', '/v1/charges/:id', async (request, ctx, raw) => {
    const p = parseParams(
      {
        customer: str({ maxLength: 255 }),
        description: str({ maxLength: limits.descriptionLengthMax }).orEmpty(),
        fraud_details: object({ user_report: oneOf(['fraudulent', 'safe'] as const).orEmpty() }),
        metadata: metadata(),
        receipt_email: str({ maxLength: 800 }).orEmpty(),
        shipping: object({}).orEmpty(),
        transfer_group: str({ maxLength: 255 }),
      },
      raw,
    );
    const id = (request.params as { id: string }).id;
    const updated = await engine.retrying(async () => {
      const record = await engine.load(ctx, kinds.charge, id);
      const previous: Record<string, unknown> = {};
      const next = { ...record.object };
      const set = (field: string, value: unknown) => {
        if (value === undefined) return;
        previous[field] = record.object[field];
        next[field] = value;
      };
      set('customer', p.customer);
      set('description', p.description);
      set('receipt_email', p.receipt_email);
      set('transfer_group', p.transfer_group);
      if (p.fraud_details?.user_report !== undefined) {
        set('fraud_details', p.fraud_details.user_report === null ? {} : { user_report: p.fraud_details.user_report });
      }
      if (p.metadata !== undefined) set('metadata', mergeMetadata(record.object['metadata'] as Metadata, p.metadata));
      await engine.commit(
        ctx,
        [next],
        [{ type: 'charge.updated', object: next, previousAttributes: previous }],
        versionsOf(record),
      );
      return next;
    });
    return expandObject(engine, ctx, updated, p.expand ?? []);
  });
}
