/**
 * Customer search's paging over a store page by page: `next_page` continues where a page stopped,
 * a scan cut short by its bound still says `has_more`, and a page token that is not ours is refused.
 * The store is a small in-memory stand-in for `list` (newest first, `startingAfter`), the one call
 * search makes; the real stores' `list` is covered by the store contract suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, createCustomer, type StoredObject } from '@opentill/core';
import { Customers } from './customers.js';
import { Engine, type RequestContext } from './engine.js';
import type { ListQuery, Store } from './store.js';

const NOW_MS = 1_800_000_000_000;

function engineWith(objects: StoredObject[]): Engine {
  // Newest first, as the stores answer.
  const ordered = [...objects].reverse();
  const store = {
    async list(query: ListQuery) {
      const ofType = ordered.filter((object) => object.object === query.type && object['deleted'] !== true);
      const from =
        query.startingAfter === undefined ? 0 : ofType.findIndex((object) => object.id === query.startingAfter) + 1;
      const page = ofType.slice(from, from + query.limit);
      return { data: page, hasMore: from + query.limit < ofType.length };
    },
  } as unknown as Store;
  return new Engine({ store, processor: {} as never, clock: { nowMs: () => NOW_MS }, ids: {} as never });
}

const ctx: RequestContext = {
  accountId: 'acct_1',
  requestId: null,
  idempotencyKey: null,
  nowMs: NOW_MS,
  apiVersion: 'x',
};

/** 250 customers; every 10th is named "match". */
function customers(): StoredObject[] {
  return Array.from(
    { length: 250 },
    (_, i) =>
      createCustomer(
        {
          id: `cus_${String(i).padStart(4, '0')}`,
          invoicePrefix: 'ABCDEFGH',
          fields: { name: i % 10 === 0 ? 'match' : `other ${i}` },
        },
        NOW_MS,
      ).customer,
  );
}

describe('customer search paging', () => {
  it('walks every match once through next_page, newest first', async () => {
    const search = new Customers(engineWith(customers()));
    const seen: string[] = [];
    let page: string | undefined;
    for (let pages = 0; pages < 20; pages += 1) {
      const result = await search.search(ctx, "name:'match'", 4, page);
      seen.push(...result.data.map((c) => c.id));
      assert.equal(result.hasMore, result.nextPage !== null);
      if (!result.hasMore) break;
      page = result.nextPage!;
    }
    const expected = Array.from({ length: 25 }, (_, i) => `cus_${String(240 - i * 10).padStart(4, '0')}`);
    assert.deepEqual(seen, expected);
  });

  it('a scan cut short by its bound still says has_more and continues where it stopped', async () => {
    const search = new Customers(engineWith(customers()));
    const first = await search.search(ctx, "name:'nobody'", 10, undefined, 100);
    assert.deepEqual(first.data, []);
    assert.equal(first.hasMore, true);
    const second = await search.search(ctx, "name:'nobody'", 10, first.nextPage!, 100);
    assert.equal(second.hasMore, true);
    const third = await search.search(ctx, "name:'nobody'", 10, second.nextPage!, 100);
    assert.deepEqual([third.hasMore, third.nextPage], [false, null], 'the last 50 customers end the scan');
  });

  it('refuses a page token that is not one of ours, on page', async () => {
    const search = new Customers(engineWith(customers()));
    for (const page of ['nonsense!', Buffer.from('pi_123').toString('base64url'), 'x'.repeat(300)]) {
      await assert.rejects(
        search.search(ctx, "name:'match'", 10, page),
        (error: unknown) => error instanceof ApiError && error.body.param === 'page' && error.status === 400,
      );
    }
  });
});
