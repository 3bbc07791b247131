/** The list endpoints' shared part: pagination params → store query → Stripe list envelope. */
import { ApiError, errors, limits, type StoredObject } from '@opentill/core';
import { canExist, type Engine, type Filter, type ListQuery, type RequestContext } from '@opentill/engine';
import { listEnvelope, type ListEnvelope } from '@opentill/protocol';
import { expandList } from './expand.js';

export interface ListRequest {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
  expand?: string[];
}

/** How a type is named in `No such …` messages where it differs from its `object` value. */
const messageNames: Record<string, string> = { webhook_endpoint: 'webhook endpoint' };

/**
 * A cursor must name an object of the listed type in the caller's account, as on Stripe: an id that
 * names nothing, another type's object or another account's object answers 404
 * `resource_missing` with `param` the cursor (never an empty page that reads as "no more"). Both
 * cursors at once are `parameters_exclusive`. Objects read through `engine.find` (account-scoped).
 */
export async function checkCursors(
  engine: Engine,
  ctx: RequestContext,
  type: string,
  params: ListRequest,
): Promise<void> {
  if (params.starting_after !== undefined && params.ending_before !== undefined) {
    throw new ApiError(
      'parameters_exclusive',
      'You may only specify one of these parameters: ending_before, starting_after.',
      { param: 'ending_before' },
    );
  }
  for (const param of ['starting_after', 'ending_before'] as const) {
    const id = params[param];
    if (id === undefined) continue;
    const record = await engine.find(ctx, id);
    if (record === null || record.object.object !== type) {
      throw errors.resourceMissing(messageNames[type] ?? type, id, param);
    }
  }
}

export async function listObjects(
  engine: Engine,
  ctx: RequestContext,
  url: string,
  type: string,
  params: ListRequest,
  filters: Filter[] = [],
  query: Pick<ListQuery, 'deliverySuccess'> = {},
): Promise<ListEnvelope<StoredObject>> {
  await checkCursors(engine, ctx, type, params);
  const page = await listStored(engine, ctx, type, params, filters, query);
  const data = await expandList(engine, ctx, page.data, params.expand ?? []);
  return listEnvelope(url, data, page.hasMore);
}

/** The store page for a list request (no expansion): empty when a cursor or value cannot exist. */
async function listStored(
  engine: Engine,
  ctx: RequestContext,
  type: string,
  params: ListRequest,
  filters: Filter[],
  query: Pick<ListQuery, 'deliverySuccess'> = {},
): Promise<{ data: StoredObject[]; hasMore: boolean }> {
  // A cursor or filter value with NUL matches nothing (and PostgreSQL text cannot carry it).
  const values = [
    params.starting_after,
    params.ending_before,
    ...filters.flatMap((filter) => (filter.op === 'in' ? filter.values : [filter.value])),
  ];
  if (values.some((value) => typeof value === 'string' && !canExist(value))) return { data: [], hasMore: false };
  return engine.store.list({
    accountId: ctx.accountId,
    type,
    limit: params.limit ?? limits.listLimitDefault,
    ...(params.starting_after !== undefined ? { startingAfter: params.starting_after } : {}),
    ...(params.ending_before !== undefined ? { endingBefore: params.ending_before } : {}),
    ...(params.created !== undefined ? { created: params.created } : {}),
    filters,
    ...query,
  });
}

/**
 * Keeps, of a page of stored objects (newest first), the ones that match a condition known only
 * after the store (presence, webhook delivery…), possibly as another view of each; same order.
 */
export type ListSelect = (objects: StoredObject[]) => Promise<StoredObject[]> | StoredObject[];

/**
 * A list filtered after the store: the objects are read in pages of `limits.listLimitMax`, in the
 * direction of the cursor (`ending_before` reads towards newer), and passed through `select`
 * until the page is full and one more match shows `has_more`, or the store has no more. At most
 * `scanMax` objects are looked at: beyond that the page ends early with `has_more: true` (it may
 * then be short, even empty). Cursors, `created` and the store `filters` work as in
 * `listObjects`; `expand` applies to what is returned.
 */
export async function listSelected(
  engine: Engine,
  ctx: RequestContext,
  url: string,
  type: string,
  params: ListRequest,
  filters: Filter[],
  select: ListSelect,
  scanMax: number,
): Promise<ListEnvelope<StoredObject>> {
  await checkCursors(engine, ctx, type, params);
  const limit = params.limit ?? limits.listLimitDefault;
  const backwards = params.ending_before !== undefined;
  let cursor = backwards ? params.ending_before : params.starting_after;
  const matched: StoredObject[] = [];
  let scanned = 0;
  let more = false;
  for (;;) {
    const page = await listStored(
      engine,
      ctx,
      type,
      {
        limit: limits.listLimitMax,
        ...(params.created ? { created: params.created } : {}),
        ...(cursor !== undefined ? (backwards ? { ending_before: cursor } : { starting_after: cursor }) : {}),
      },
      filters,
    );
    // Newest first; going backwards, the objects closest to the cursor are the last ones.
    const inOrder = backwards ? [...page.data].reverse() : page.data;
    for (const object of await select(inOrder)) {
      if (matched.length === limit) {
        more = true;
        break;
      }
      matched.push(object);
    }
    scanned += page.data.length;
    if (more || !page.hasMore || page.data.length === 0) break;
    if (scanned >= scanMax) {
      more = true;
      break;
    }
    cursor = inOrder[inOrder.length - 1]!.id;
  }
  const data = backwards ? matched.reverse() : matched;
  return listEnvelope(url, await expandList(engine, ctx, data, params.expand ?? []), more);
}
