/** The live event feed: own commits at once, other nodes' from a cursor, each event once, bounded slots. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, limits, type StoredObject } from '@opentill/core';
import { ManualClock } from '../adapters.js';
import type { CommitListener, Engine } from '../engine.js';
import type { ListQuery } from '../store.js';
import { EventsFeed } from './events-feed.js';

const event = (id: string, type = 'payment_intent.created', created = 1_000): StoredObject =>
  ({ id, object: 'event', type, created, livemode: false }) as StoredObject;

/** Events of one account in commit order, listed newest first as the stores do (`endingBefore`: the page just newer). */
function fakeEngine() {
  const events: StoredObject[] = [];
  const listeners = new Set<CommitListener>();
  const settings = new Map<string, string>();
  const queries: ListQuery[] = [];
  let failNextList = false;
  const store = {
    async setting(name: string, value: string) {
      if (!settings.has(name)) settings.set(name, value);
      return settings.get(name)!;
    },
    async list(query: ListQuery) {
      queries.push(query);
      if (failNextList) {
        failNextList = false;
        throw new Error('store hiccup');
      }
      let newer = events;
      if (query.endingBefore !== undefined)
        newer = events.slice(events.findIndex((e) => e.id === query.endingBefore) + 1);
      const gte = query.created?.gte;
      if (gte !== undefined) newer = newer.filter((e) => Number(e.created) >= gte);
      const page = query.endingBefore !== undefined ? newer.slice(0, query.limit) : newer.slice(-query.limit);
      return { data: [...page].reverse(), hasMore: newer.length > page.length };
    },
  };
  const engine = {
    store,
    clock: new ManualClock(1_000_000),
    onCommit(listener: CommitListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as Engine;
  return {
    engine,
    events,
    queries,
    listeners,
    failNextList() {
      failNextList = true;
    },
    /** A commit of this process: stored, then announced. */
    commit(accountId: string, ...committed: StoredObject[]) {
      events.push(...committed);
      for (const listener of listeners) listener(accountId, committed, [], 0);
    },
  };
}

const collect = () => {
  const got: string[] = [];
  return {
    got,
    deliver: (e: StoredObject) => {
      got.push(e.id);
    },
  };
};

/** A feed of acct_a, started, its deliveries collected. */
async function started(world: ReturnType<typeof fakeEngine>, events: string[]) {
  const feed = await new EventsFeed(world.engine, { catchUpEveryMs: null }).open('acct_a', events);
  const { got, deliver } = collect();
  await feed.start(deliver);
  return { feed, got };
}

describe('EventsFeed', () => {
  it("delivers this process's commits of the account at once, the wanted types only (`*` leaves out opentill.*)", async () => {
    const world = fakeEngine();
    const { feed, got } = await started(world, ['*']);
    world.commit('acct_a', event('evt_1'), event('evt_2', 'opentill.reader.screen_changed'));
    world.commit('acct_b', event('evt_3'));
    assert.deepEqual(got, ['evt_1']);
    feed.close();
  });

  it('reads what other nodes committed past the cursor, oldest first, and never sends an event twice', async () => {
    const world = fakeEngine();
    world.events.push(event('evt_old'));
    const { feed, got } = await started(world, ['payment_intent.created']);
    world.commit('acct_a', event('evt_own'));
    world.events.push(event('evt_n1'), event('evt_n2', 'charge.succeeded'), event('evt_n3'));
    await feed.catchUp();
    await feed.catchUp();
    assert.deepEqual(
      got,
      ['evt_own', 'evt_n1', 'evt_n3'],
      'evt_old predates the feed; evt_own came once; charge.succeeded not asked for',
    );
    assert.equal(world.queries.at(-1)!.endingBefore, 'evt_n3', 'the cursor moved to the newest event read');
    feed.close();
  });

  it('reads by creation time when the account had no event at open', async () => {
    const world = fakeEngine();
    const { feed, got } = await started(world, ['*']);
    const openedAt = 1_000 - 1;
    world.events.push(
      event('evt_before', 'payment_intent.created', openedAt - 1),
      event('evt_1', 'payment_intent.created', openedAt),
    );
    await feed.catchUp();
    assert.equal(world.queries.at(-1)!.created?.gte, openedAt, 'the first read is by creation time');
    assert.deepEqual(got, ['evt_1']);
    world.events.push(event('evt_2'));
    await feed.catchUp();
    assert.equal(world.queries.at(-1)!.endingBefore, 'evt_1', 'then from the cursor');
    assert.deepEqual(got, ['evt_1', 'evt_2']);
    feed.close();
  });

  it('reads at most 10 pages per catch-up: the rest of a burst waits for the next round', async () => {
    const world = fakeEngine();
    world.events.push(event('evt_old'));
    const { feed, got } = await started(world, ['*']);
    const burst = limits.listLimitMax * 10 + 5;
    for (let i = 0; i < burst; i += 1) world.events.push(event(`evt_${i}`));
    await feed.catchUp();
    assert.equal(got.length, limits.listLimitMax * 10);
    await feed.catchUp();
    assert.equal(got.length, burst);
    assert.deepEqual([got[0], got.at(-1)], ['evt_0', `evt_${burst - 1}`], 'oldest first');
    feed.close();
  });

  it('a store error in a catch-up leaves the feed open: the next round reads it', async () => {
    const world = fakeEngine();
    world.events.push(event('evt_old'));
    const { feed, got } = await started(world, ['*']);
    world.events.push(event('evt_n1'));
    world.failNextList();
    await feed.catchUp();
    assert.deepEqual(got, []);
    await feed.catchUp();
    assert.deepEqual(got, ['evt_n1']);
    feed.close();
  });

  it('refuses an unknown event type (invalid_request_body, param events) without taking a slot', async () => {
    const world = fakeEngine();
    const feeds = new EventsFeed(world.engine, { catchUpEveryMs: null });
    await assert.rejects(
      feeds.open('acct_a', ['payment_intent.created', 'nope.nope']),
      (error: unknown) =>
        error instanceof ApiError && error.code === 'invalid_request_body' && error.body.param === 'events',
    );
    const open = [];
    for (let i = 0; i < limits.eventStreamPerAccountCountMax; i += 1) open.push(await feeds.open('acct_a', ['*']));
    assert.equal(open.length, limits.eventStreamPerAccountCountMax);
  });

  it('holds at most eventStreamPerAccountCountMax feeds per account and eventStreamCountMax in all; close frees a slot', async () => {
    const world = fakeEngine();
    const feeds = new EventsFeed(world.engine, { catchUpEveryMs: null });
    const mine = [];
    for (let i = 0; i < limits.eventStreamPerAccountCountMax; i += 1) mine.push(await feeds.open('acct_a', ['*']));
    await assert.rejects(
      feeds.open('acct_a', ['*']),
      (error: unknown) => error instanceof ApiError && error.code === 'rate_limit',
    );
    mine[0]!.close();
    mine[0]!.close();
    mine[0] = await feeds.open('acct_a', ['*']);
    await assert.rejects(
      feeds.open('acct_a', ['*']),
      (error: unknown) => error instanceof ApiError && error.code === 'rate_limit',
      'closing twice freed one slot, not two',
    );
    let others = limits.eventStreamPerAccountCountMax;
    for (let account = 0; others < limits.eventStreamCountMax; account += 1) {
      for (
        let i = 0;
        i < limits.eventStreamPerAccountCountMax && others < limits.eventStreamCountMax;
        i += 1, others += 1
      ) {
        await feeds.open(`acct_${account}`, ['*']);
      }
    }
    await assert.rejects(
      feeds.open('acct_new', ['*']),
      (error: unknown) => error instanceof ApiError && error.code === 'rate_limit',
    );
  });

  it('gives every feed of an account the same signing secret', async () => {
    const world = fakeEngine();
    const feeds = new EventsFeed(world.engine, { catchUpEveryMs: null });
    const first = await feeds.open('acct_a', ['*']);
    const second = await feeds.open('acct_a', ['*']);
    assert.match(first.secret, /^whsec_[0-9a-f]{48}$/);
    assert.equal(second.secret, first.secret);
  });

  it('closed before or while it starts, a feed delivers nothing and leaves no listener', async () => {
    const world = fakeEngine();
    const feeds = new EventsFeed(world.engine, { catchUpEveryMs: null });
    const during = await feeds.open('acct_a', ['*']);
    const { got, deliver } = collect();
    const starting = during.start(deliver);
    during.close();
    await starting;
    const before = await feeds.open('acct_a', ['*']);
    before.close();
    await before.start(deliver);
    world.commit('acct_a', event('evt_1'));
    world.events.push(event('evt_2'));
    await during.catchUp();
    assert.deepEqual(got, []);
    assert.equal(world.listeners.size, 0);
  });
});
