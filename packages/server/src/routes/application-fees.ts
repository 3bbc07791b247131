/**
 * `/v1/application_fees`: the fees a platform collected on destination and direct charges (created
 * by the capture that settles the charge; docs/connect.md). Fee refunds are not emulated.
 */
import { kinds, type Filter } from '@opentill/engine';
import { listParams, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import { expandObject, registerExpandable } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

registerExpandable('application_fee', ['originating_transaction', 'balance_transaction']);

export function registerApplicationFees(app: App, services: Services): void {
  const { engine } = services;

  app.route('GET', '/v1/application_fees/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const fee = await engine.load(ctx, kinds.applicationFee, (request.params as { id: string }).id);
    return expandObject(engine, ctx, fee.object, p.expand ?? []);
  });

  app.route('GET', '/v1/application_fees', async (_request, ctx, raw) => {
    const p = parseParams({ ...listParams, charge: str({ maxLength: 255 }) }, raw);
    const filters: Filter[] = [];
    if (p.charge !== undefined) filters.push({ field: 'charge', op: 'eq', value: p.charge });
    return listObjects(engine, ctx, '/v1/application_fees', 'application_fee', p, filters);
  });
}
