/** The list endpoints' shared part: pagination params → store query → Stripe list envelope. */
import { limits, type StoredObject } from '@opentill/core';
import { canExist, type Engine, type Filter, type RequestContext } from '@opentill/engine';
import { listEnvelope, type ListEnvelope } from '@opentill/protocol';
import { expandList } from './expand.js';

export interface ListRequest {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  created?: { gt?: number; gte?: number; lt?: number; lte?: number };
  expand?: string[];
}

export async function listObjects(engine: Engine, ctx: RequestContext, url: string, type: string,
  params: ListRequest, filters: Filter[] = []): Promise<ListEnvelope<StoredObject>> {
  // A cursor or filter value with NUL matches nothing (and PostgreSQL text cannot carry it).
  const values = [params.starting_after, params.ending_before,
    ...filters.flatMap((filter) => (filter.op === 'in' ? filter.values : [filter.value]))];
  if (values.some((value) => typeof value === 'string' && !canExist(value))) return listEnvelope(url, [], false);
  const page = await engine.store.list({
    accountId: ctx.accountId,
    type,
    limit: params.limit ?? limits.listLimitDefault,
    ...(params.starting_after !== undefined ? { startingAfter: params.starting_after } : {}),
    ...(params.ending_before !== undefined ? { endingBefore: params.ending_before } : {}),
    ...(params.created !== undefined ? { created: params.created } : {}),
    filters,
  });
  const data = await expandList(engine, ctx, page.data, params.expand ?? []);
  return listEnvelope(url, data, page.hasMore);
}
