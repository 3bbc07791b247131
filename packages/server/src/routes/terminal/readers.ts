/** `/v1/terminal/readers` (registration and CRUD) */
import { limits, type Reader, type StoredObject } from '@opentill/core';
import type { Filter, RequestContext } from '@opentill/engine';
import {
  id,
  listParams,
  mergeMetadata,
  metadata,
  oneOf,
  parseParams,
  str,
  type ListEnvelope,
} from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandObject } from '../../http/expand.js';
import { listObjects, listSelected, type ListRequest } from '../../http/list.js';
import type { Services } from '../../services.js';

export const deviceTypes = [
  'bbpos_chipper2x',
  'bbpos_wisepad3',
  'bbpos_wisepos_e',
  'mobile_phone_reader',
  'simulated_stripe_s700',
  'simulated_stripe_s710',
  'simulated_stripe_t600',
  'simulated_verifone_m425',
  'simulated_verifone_p630',
  'simulated_verifone_ux700',
  'simulated_verifone_v660p',
  'simulated_wisepos_e',
  'stripe_m2',
  'stripe_s700',
  'stripe_s710',
  'stripe_t600',
  'verifone_P400',
  'verifone_m425',
  'verifone_p630',
  'verifone_ux700',
  'verifone_v660p',
] as const;

export function registerTerminalReaders(app: App, services: Services): void {
  const { engine, terminalReaders: readers } = services;
  // A reader rebuilt from a recorded effect shows its status as any answer does.
  app.recoveredView('terminal.reader', (ctx, object) => readers.view(object as Reader, ctx.nowMs));

  app.route(
    'POST',
    '/v1/terminal/readers',
    async (_request, ctx, raw) => {
      const p = parseParams(
        {
          registration_code: str({ maxLength: 255 }).req(),
          label: str({ maxLength: 5000 }),
          location: id(),
          metadata: metadata(),
        },
        raw,
      );
      const reader = await readers.register(ctx, {
        registrationCode: p.registration_code,
        ...(p.label !== undefined ? { label: p.label } : {}),
        ...(p.location !== undefined ? { location: p.location } : {}),
        metadata: mergeMetadata({}, p.metadata),
      });
      return expandObject(engine, ctx, reader, p.expand ?? []);
    },
    { resultType: 'terminal.reader' },
  );

  app.route('GET', '/v1/terminal/readers/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(
      engine,
      ctx,
      await readers.retrieve(ctx, (request.params as { id: string }).id),
      p.expand ?? [],
    );
  });

  app.route('POST', '/v1/terminal/readers/:id', async (request, ctx, raw) => {
    const p = parseParams({ label: str({ maxLength: 5000 }).orEmpty(), metadata: metadata() }, raw);
    const reader = await readers.update(ctx, (request.params as { id: string }).id, {
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.metadata !== undefined ? { metadataPatch: (m) => mergeMetadata(m, p.metadata) } : {}),
    });
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('GET', '/v1/terminal/readers', async (_request, ctx, raw) => {
    const p = parseParams(
      {
        ...listParams,
        device_type: oneOf(deviceTypes),
        location: id(),
        serial_number: str({ maxLength: 255 }),
        status: oneOf(['offline', 'online'] as const),
      },
      raw,
    );
    const filters: Filter[] = [{ field: 'deleted', op: 'eq', value: null }];
    if (p.device_type !== undefined) filters.push({ field: 'device_type', op: 'eq', value: p.device_type });
    if (p.location !== undefined) filters.push({ field: 'location', op: 'eq', value: p.location });
    if (p.serial_number !== undefined) filters.push({ field: 'serial_number', op: 'eq', value: p.serial_number });
    if (p.status !== undefined) return listByStatus(services, ctx, p, p.status, filters);
    const list = await listObjects(engine, ctx, '/v1/terminal/readers', 'terminal.reader', p, filters);
    return { ...list, data: list.data.map((reader) => readers.view(reader as Reader, ctx.nowMs)) };
  });

  app.route('DELETE', '/v1/terminal/readers/:id', async (request, ctx, raw) => {
    parseParams({}, raw);
    return readers.delete(ctx, (request.params as { id: string }).id);
  });
}

/**
 * `status` is presence (the 2-minute rule on the reader's last signal, on the account's clock), so
 * it cannot be a stored filter: the readers are filtered on their view after the store
 * (`listSelected`, at most `limits.readerStatusScanMax` looked at).
 */
function listByStatus(
  services: Services,
  ctx: RequestContext,
  p: ListRequest,
  status: 'online' | 'offline',
  filters: Filter[],
): Promise<ListEnvelope<StoredObject>> {
  const select = (readers: StoredObject[]) =>
    readers
      .map((reader) => services.terminalReaders.view(reader as Reader, ctx.nowMs))
      .filter((view) => view.status === status);
  return listSelected(
    services.engine,
    ctx,
    '/v1/terminal/readers',
    'terminal.reader',
    p,
    filters,
    select,
    limits.readerStatusScanMax,
  );
}
