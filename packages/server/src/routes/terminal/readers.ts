/** `/v1/terminal/readers` (registration and CRUD) */
import { limits, type Reader, type StoredObject } from '@opentill/core';
import type { Filter, RequestContext } from '@opentill/engine';
import { id, listEnvelope, listParams, mergeMetadata, metadata, oneOf, parseParams, str, type ListEnvelope } from '@opentill/protocol';
import type { App } from '../../app.js';
import { expandList, expandObject } from '../../http/expand.js';
import { listObjects, type ListRequest } from '../../http/list.js';
import type { Services } from '../../services.js';

export const deviceTypes = [
  'bbpos_chipper2x', 'bbpos_wisepad3', 'bbpos_wisepos_e', 'mobile_phone_reader', 'simulated_stripe_s700',
  'simulated_stripe_s710', 'simulated_stripe_t600', 'simulated_verifone_m425', 'simulated_verifone_p630',
  'simulated_verifone_ux700', 'simulated_verifone_v660p', 'simulated_wisepos_e', 'stripe_m2', 'stripe_s700',
  'stripe_s710', 'stripe_t600', 'verifone_P400', 'verifone_m425', 'verifone_p630', 'verifone_ux700', 'verifone_v660p',
] as const;

export function registerTerminalReaders(app: App, services: Services): void {
  const { engine, terminalReaders: readers } = services;

  app.route('POST', '/v1/terminal/readers', async (_request, ctx, raw) => {
    const p = parseParams({
      registration_code: str({ maxLength: 255 }).req(),
      label: str({ maxLength: 5000 }),
      location: id(),
      metadata: metadata(),
    }, raw);
    const reader = await readers.register(ctx, {
      registrationCode: p.registration_code,
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.location !== undefined ? { location: p.location } : {}),
      metadata: mergeMetadata({}, p.metadata),
    });
    return expandObject(engine, ctx, reader, p.expand ?? []);
  });

  app.route('GET', '/v1/terminal/readers/:id', async (request, ctx, raw) => {
    const p = parseParams({}, raw);
    return expandObject(engine, ctx, await readers.retrieve(ctx, (request.params as { id: string }).id), p.expand ?? []);
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
    const p = parseParams({
      ...listParams,
      device_type: oneOf(deviceTypes),
      location: id(),
      serial_number: str({ maxLength: 255 }),
      status: oneOf(['offline', 'online'] as const),
    }, raw);
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
 * it cannot be a stored filter: the readers are read in pages, in the direction of the cursor, and
 * filtered on their view until the page is full (at most `limits.readerStatusScanMax` looked at).
 */
async function listByStatus(services: Services, ctx: RequestContext, p: ListRequest & { limit?: number },
  status: 'online' | 'offline', filters: Filter[]): Promise<ListEnvelope<StoredObject>> {
  const limit = p.limit ?? limits.listLimitDefault;
  const backwards = p.ending_before !== undefined;
  let cursor = backwards ? p.ending_before : p.starting_after;
  const matched: Reader[] = [];
  let scanned = 0;
  let more = false;
  for (;;) {
    const page = await listObjects(services.engine, ctx, '/v1/terminal/readers', 'terminal.reader', {
      limit: limits.listLimitMax, ...(p.created ? { created: p.created } : {}),
      ...(cursor !== undefined ? (backwards ? { ending_before: cursor } : { starting_after: cursor }) : {}),
    }, filters);
    // Newest first; going backwards, the readers closest to the cursor are the last ones.
    const inOrder = backwards ? [...page.data].reverse() : page.data;
    for (const reader of inOrder) {
      const view = services.terminalReaders.view(reader as Reader, ctx.nowMs);
      if (view.status !== status) continue;
      if (matched.length === limit) { more = true; break; }
      matched.push(view);
    }
    scanned += page.data.length;
    if (more || !page.has_more || page.data.length === 0) break;
    if (scanned >= limits.readerStatusScanMax) { more = true; break; }
    cursor = inOrder[inOrder.length - 1]!.id;
  }
  const data = backwards ? matched.reverse() : matched;
  const expanded = await expandList(services.engine, ctx, data, p.expand ?? []);
  return listEnvelope('/v1/terminal/readers', expanded, more);
}
