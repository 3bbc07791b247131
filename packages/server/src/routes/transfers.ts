/**
 * `/v1/transfers`: what destination charges moved to connected accounts (created by the capture
 * that settles the charge; docs/connect.md). Read-only here: separate charges and transfers
 * (`POST /v1/transfers`) are not emulated.
 */
import { kinds, type Filter } from '@opentill/engine';
import { listParams, parseParams, str } from '@opentill/protocol';
import type { App } from '../app.js';
import { expandObject, registerExpandable } from '../http/expand.js';
import { listObjects } from '../http/list.js';
import type { Services } from '../services.js';

registerExpandable('transfer', ['destination_payment', 'source_transaction', 'balance_transaction']);
registerExpandable('charge', ['transfer', 'application_fee']);

export function registerTransfers(app: App, services: Services): void {
  const { engine } = services;

  app.route('GET', '/v1/transfers/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    const transfer = await engine.load(ctx, kinds.transfer, (request.params as { id: string }).id);
    return expandObject(engine, ctx, transfer.object, p.expand ?? []);
  });

  app.route('GET', '/v1/transfers', async (_request, ctx, raw) => {
    const p = parseParams(
      { ...listParams, destination: str({ maxLength: 255 }), transfer_group: str({ maxLength: 255 }) },
      raw,
    );
    const filters: Filter[] = [];
    if (p.destination !== undefined) filters.push({ field: 'destination', op: 'eq', value: p.destination });
    if (p.transfer_group !== undefined) filters.push({ field: 'transfer_group', op: 'eq', value: p.transfer_group });
    return listObjects(engine, ctx, '/v1/transfers', 'transfer', p, filters);
  });
}
