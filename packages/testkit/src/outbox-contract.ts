/**
 * The webhook outbox part of the store contract (engine/src/webhooks/outbox.ts): deliveries written
 * with their events, claims that never overlap and expire, fenced finishes, `pending_webhooks`
 * kept right, the attempt log. Run by `runStoreContract` for every adapter.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { StoredObject } from '@opentill/core';
import type { Account, DeliveryAttempt, DeliveryOutcome, Store } from '@opentill/engine';

type Test = (title: string, body: (store: Store, t: TestContext) => Promise<void>) => void;

const ACCT = 'acct_outbox_a';
const OTHER = 'acct_outbox_b';
const T0 = 1_700_000_000_000;

function account(id: string, clockOffsetMs = 0): Account {
  return { id, created: 1, clockOffsetMs, settings: {} };
}

function endpoint(id: string, enabledEvents: string[], extra: Record<string, unknown> = {}): StoredObject {
  return {
    id,
    object: 'webhook_endpoint',
    created: 1,
    livemode: false,
    url: 'http://127.0.0.1:1/hook',
    enabled_events: enabledEvents,
    status: 'enabled',
    metadata: {},
    _internal: { secrets: [{ secret: 'whsec_x', expiresMs: null }] },
    ...extra,
  };
}

function event(id: string, type: string): StoredObject {
  return {
    id,
    object: 'event',
    created: T0 / 1000,
    livemode: false,
    type,
    pending_webhooks: 0,
    data: { object: { id: 'x' } },
  };
}

async function put(store: Store, accountId: string, objects: StoredObject[]): Promise<void> {
  for (const object of objects) {
    assert.deepEqual(await store.commit({ accountId, puts: [{ object, expectedVersion: 0 }], events: [] }), {
      ok: true,
      deliveries: 0,
    });
  }
}

async function emit(store: Store, accountId: string, events: StoredObject[], nowMs = T0): Promise<void> {
  assert.equal((await store.commit({ accountId, puts: [], events, nowMs })).ok, true);
}

async function pending(store: Store, accountId: string, eventId: string): Promise<unknown> {
  return (await store.get(accountId, eventId))?.object['pending_webhooks'];
}

function attempt(
  deliveryId: string,
  eventId: string,
  endpointId: string,
  n: number,
  status: number | null,
  atMs = T0,
): DeliveryAttempt {
  return {
    deliveryId,
    accountId: ACCT,
    endpointId,
    eventId,
    attempt: n,
    atMs,
    status,
    latencyMs: 12,
    responseExcerpt: 'ok',
    error: status === 200 ? null : 'HTTP 500',
    nextAttemptMs: null,
    node: 'node_a',
  };
}

export function outboxContract(test: Test): void {
  async function setup(store: Store, offsetMs = 0): Promise<void> {
    await store.insertAccount(account(ACCT, offsetMs), []);
    await store.insertAccount(account(OTHER), []);
  }

  test('a commit writes one delivery per matching enabled endpoint and sets pending_webhooks', async (store) => {
    await setup(store);
    await put(store, ACCT, [
      endpoint('we_all', ['*']),
      endpoint('we_pi', ['payment_intent.succeeded', 'charge.captured']),
      endpoint('we_off', ['*'], { status: 'disabled' }),
      endpoint('we_gone', ['*'], { deleted: true }),
    ]);
    await put(store, OTHER, [endpoint('we_other', ['*'])]);
    await emit(store, ACCT, [
      event('evt_1', 'payment_intent.succeeded'),
      event('evt_2', 'refund.created'),
      event('evt_3', 'opentill.webhook_endpoint.disabled'),
    ]);
    assert.equal(await pending(store, ACCT, 'evt_1'), 2);
    assert.equal(await pending(store, ACCT, 'evt_2'), 1);
    assert.equal(await pending(store, ACCT, 'evt_3'), 0, "'*' does not cover opentill.* events");
    const rows = await store.outbox.deliveries({ accountId: ACCT, limit: 100 });
    assert.deepEqual(rows.map((row) => `${row.eventId}>${row.endpointId}`).sort(), [
      'evt_1>we_all',
      'evt_1>we_pi',
      'evt_2>we_all',
    ]);
    for (const row of rows) {
      assert.equal(row.state, 'pending');
      assert.equal(row.attemptCount, 0);
      assert.equal(row.createdMs, T0);
      assert.equal(row.nextAttemptMs, T0);
      assert.match(row.id, /^whd_/);
    }
    assert.deepEqual(await store.outbox.deliveries({ accountId: OTHER, limit: 100 }), []);
  });

  test("Connect: a connected account's events also go to its platform's Connect endpoints (rows of the platform)", async (store) => {
    await setup(store);
    await store.insertAccount({ ...account('acct_outbox_shop'), platformId: ACCT }, []);
    await put(store, ACCT, [
      endpoint('we_own', ['*']),
      endpoint('we_connect', ['*'], {
        _internal: { secrets: [{ secret: 'whsec_c', expiresMs: null }], connect: true },
      }),
    ]);
    await put(store, OTHER, [endpoint('we_other_connect', ['*'], { _internal: { secrets: [], connect: true } })]);
    await put(store, 'acct_outbox_shop', [endpoint('we_shop', ['*'])]);
    // The platform's own event: its own endpoint only.
    await emit(store, ACCT, [event('evt_platform', 'charge.succeeded')]);
    // The connected account's event: its own endpoint, and its platform's Connect endpoint.
    assert.equal(
      (
        await store.commit({
          accountId: 'acct_outbox_shop',
          puts: [],
          events: [{ ...event('evt_shop', 'charge.succeeded'), account: 'acct_outbox_shop' }],
          nowMs: T0,
          connectPlatformId: ACCT,
        })
      ).ok,
      true,
    );
    const platformRows = await store.outbox.deliveries({ accountId: ACCT, limit: 100 });
    assert.deepEqual(platformRows.map((row) => `${row.eventId}>${row.endpointId}`).sort(), [
      'evt_platform>we_own',
      'evt_shop>we_connect',
    ]);
    const shopRows = await store.outbox.deliveries({ accountId: 'acct_outbox_shop', limit: 100 });
    assert.deepEqual(
      shopRows.map((row) => `${row.eventId}>${row.endpointId}`),
      ['evt_shop>we_shop'],
    );
    assert.equal(await pending(store, 'acct_outbox_shop', 'evt_shop'), 1, "the connected account's own deliveries");
    assert.deepEqual(
      await store.outbox.deliveries({ accountId: OTHER, limit: 100 }),
      [],
      'another platform hears nothing',
    );
    // The claim finds the connected account's event for the platform's delivery.
    const claimed = await store.outbox.claim('node_a', T0, 5_000, 10);
    const connect = claimed.find((row) => row.endpointId === 'we_connect');
    assert.equal(connect?.event?.id, 'evt_shop');
    assert.equal(connect?.event?.['account'], 'acct_outbox_shop');
    assert.equal(connect?.endpoint?.id, 'we_connect');
  });

  test('a commit that changes endpoints delivers its own events by the endpoints as it leaves them', async (store) => {
    await setup(store);
    await put(store, ACCT, [
      endpoint('we_a', ['*']),
      endpoint('we_watch', ['opentill.webhook_endpoint.disabled', 'refund.created']),
    ]);
    // Warm whatever the adapter keeps of the endpoints, then change them in the same commit as events.
    await emit(store, ACCT, [event('evt_warm', 'refund.created')]);
    const current = await store.get(ACCT, 'we_a');
    const disabled = await store.commit({
      accountId: ACCT,
      nowMs: T0,
      puts: [{ object: { ...current!.object, status: 'disabled' }, expectedVersion: current!.version }],
      events: [event('evt_disabled', 'opentill.webhook_endpoint.disabled'), event('evt_after', 'refund.created')],
    });
    assert.deepEqual(disabled, { ok: true, deliveries: 2 });
    assert.equal(await pending(store, ACCT, 'evt_after'), 1, 'the disabled endpoint gets nothing of its own commit');
    const created = await store.commit({
      accountId: ACCT,
      nowMs: T0,
      puts: [{ object: endpoint('we_new', ['*']), expectedVersion: 0 }],
      events: [event('evt_new', 'refund.created')],
    });
    assert.deepEqual(created, { ok: true, deliveries: 2 });
    const rows = await store.outbox.deliveries({ accountId: ACCT, limit: 100 });
    assert.deepEqual(
      rows
        .filter((row) => row.eventId !== 'evt_warm')
        .map((row) => `${row.eventId}>${row.endpointId}`)
        .sort(),
      ['evt_after>we_watch', 'evt_disabled>we_watch', 'evt_new>we_new', 'evt_new>we_watch'],
    );
  });

  test('a conflicting batch writes no deliveries', async (store) => {
    await setup(store);
    await put(store, ACCT, [
      endpoint('we_all', ['*']),
      { id: 'pi_1', object: 'payment_intent', created: 1, livemode: false },
    ]);
    const result = await store.commit({
      accountId: ACCT,
      puts: [{ object: { id: 'pi_1', object: 'payment_intent', created: 1, livemode: false }, expectedVersion: 7 }],
      events: [event('evt_x', 'payment_intent.succeeded')],
      nowMs: T0,
    });
    assert.equal(result.ok, false);
    assert.deepEqual(await store.outbox.deliveries({ accountId: ACCT, limit: 10 }), []);
  });

  test('claim: due at the account clock, with event and endpoint, not claimable again until the lease passes', async (store) => {
    await setup(store, 60_000);
    await put(store, ACCT, [endpoint('we_1', ['*'])]);
    // Due at T0 + 30 s on the account clock, which runs 60 s ahead of the wall clock.
    await emit(store, ACCT, [event('evt_1', 'charge.succeeded')], T0 + 30_000);
    assert.deepEqual(await store.outbox.claim('node_a', T0 - 31_000, 5_000, 10), [], 'not due yet');
    const [claimed, ...rest] = await store.outbox.claim('node_a', T0 - 30_000, 5_000, 10);
    assert.equal(rest.length, 0);
    assert.equal(claimed?.eventId, 'evt_1');
    assert.equal(claimed?.clockOffsetMs, 60_000);
    assert.equal(claimed?.event?.['type'], 'charge.succeeded');
    assert.equal(claimed?.event?.['pending_webhooks'], 1);
    assert.equal(claimed?.endpoint?.id, 'we_1');
    assert.deepEqual(claimed?.endpoint?._internal, { secrets: [{ secret: 'whsec_x', expiresMs: null }] });
    assert.deepEqual(await store.outbox.claim('node_b', T0 - 26_000, 5_000, 10), [], 'held by node_a');
    const [taken] = await store.outbox.claim('node_b', T0 - 24_000, 5_000, 10);
    assert.equal(taken?.id, claimed?.id, 'expired claim taken over');
    // Fencing: node_a lost it.
    assert.equal(await store.outbox.finish('node_a', claimed!.id, { state: 'succeeded' }, null), false);
    assert.equal(await pending(store, ACCT, 'evt_1'), 1);
    assert.equal(
      await store.outbox.finish(
        'node_b',
        claimed!.id,
        { state: 'succeeded' },
        attempt(claimed!.id, 'evt_1', 'we_1', 1, 200),
      ),
      true,
    );
    assert.equal(await pending(store, ACCT, 'evt_1'), 0);
    assert.equal(
      await store.outbox.finish('node_b', claimed!.id, { state: 'succeeded' }, null),
      false,
      'already final',
    );
    assert.deepEqual(
      await store.outbox.claim('node_c', T0 + 10 ** 9, 5_000, 10),
      [],
      'final deliveries are never claimed',
    );
  });

  test('finish: reschedule keeps it pending, final states recount pending_webhooks, attempts are logged', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['*']), endpoint('we_2', ['*'])]);
    await emit(store, ACCT, [event('evt_1', 'refund.created')]);
    assert.equal(await pending(store, ACCT, 'evt_1'), 2);
    const claimed = await store.outbox.claim('node_a', T0, 60_000, 10);
    assert.equal(claimed.length, 2);
    const first = claimed.find((c) => c.endpointId === 'we_1')!;
    const second = claimed.find((c) => c.endpointId === 'we_2')!;
    assert.equal(
      await store.outbox.finish(
        'node_a',
        first.id,
        { state: 'pending', nextAttemptMs: T0 + 1000 },
        { ...attempt(first.id, 'evt_1', 'we_1', 1, 500), nextAttemptMs: T0 + 1000 },
      ),
      true,
    );
    assert.equal(await pending(store, ACCT, 'evt_1'), 2);
    assert.equal(
      await store.outbox.finish('node_a', second.id, { state: 'failed' }, attempt(second.id, 'evt_1', 'we_2', 1, null)),
      true,
    );
    assert.equal(await pending(store, ACCT, 'evt_1'), 1);
    const [row] = await store.outbox.deliveries({ accountId: ACCT, endpointId: 'we_1', limit: 10 });
    assert.equal(row?.state, 'pending');
    assert.equal(row?.attemptCount, 1);
    assert.equal(row?.nextAttemptMs, T0 + 1000);
    assert.equal(row?.lastStatus, 500);
    assert.deepEqual(await store.outbox.claim('node_a', T0 + 999, 60_000, 10), [], 'not due before nextAttemptMs');
    const [again] = await store.outbox.claim('node_b', T0 + 1000, 60_000, 10);
    assert.equal(again?.id, first.id, 'a rescheduled delivery is released, then due again');
    assert.equal(again?.attemptCount, 1);
    await store.outbox.finish(
      'node_b',
      first.id,
      { state: 'succeeded' },
      attempt(first.id, 'evt_1', 'we_1', 2, 200, T0 + 1000),
    );
    assert.equal(await pending(store, ACCT, 'evt_1'), 0);
    const log = await store.outbox.attempts({ accountId: ACCT, eventId: 'evt_1', limit: 10 });
    assert.deepEqual(
      log.map((a) => [a.endpointId, a.attempt, a.status]),
      [
        ['we_1', 2, 200],
        ['we_2', 1, null],
        ['we_1', 1, 500],
      ],
    );
    assert.deepEqual(
      (await store.outbox.attempts({ accountId: ACCT, endpointId: 'we_2', limit: 10 })).map((a) => a.error),
      ['HTTP 500'],
    );
    assert.equal(await store.outbox.lastSuccessMs(ACCT, 'we_1'), T0 + 1000);
    assert.equal(await store.outbox.lastSuccessMs(ACCT, 'we_2'), null);
    // Scoped by account: the other account sees none of it.
    assert.equal(await store.outbox.lastSuccessMs(OTHER, 'we_1'), null);
    assert.deepEqual(await store.outbox.attempts({ accountId: OTHER, eventId: 'evt_1', limit: 10 }), []);
    assert.deepEqual(await store.outbox.attempts({ accountId: OTHER, endpointId: 'we_1', limit: 10 }), []);
    assert.deepEqual(await store.outbox.deliveries({ accountId: OTHER, eventId: 'evt_1', limit: 10 }), []);
  });

  test('enqueue (resend) and cancelEndpoint keep pending_webhooks right', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['*'])]);
    await emit(store, ACCT, [event('evt_1', 'refund.created'), event('evt_2', 'refund.updated')]);
    const ids = await store.outbox.enqueue([
      { accountId: ACCT, endpointId: 'we_1', eventId: 'evt_1', eventType: 'refund.created', nextAttemptMs: T0 + 5 },
    ]);
    assert.equal(ids.length, 1);
    assert.equal(await pending(store, ACCT, 'evt_1'), 2);
    assert.deepEqual(await store.outbox.backlog(), { pending: 3, oldestDueMs: T0 }, 'the backlog /metrics shows');
    assert.equal(
      await store.outbox.cancelEndpoint(OTHER, 'we_1'),
      0,
      "another account cannot cancel this account's endpoint",
    );
    assert.equal(await pending(store, ACCT, 'evt_1'), 2);
    assert.deepEqual(await store.outbox.backlog(), { pending: 3, oldestDueMs: T0 });
    assert.equal(await store.outbox.cancelEndpoint(ACCT, 'we_1'), 3);
    assert.deepEqual(await store.outbox.backlog(), { pending: 0, oldestDueMs: null });
    assert.equal(await pending(store, ACCT, 'evt_1'), 0);
    assert.equal(await pending(store, ACCT, 'evt_2'), 0);
    assert.ok((await store.outbox.deliveries({ accountId: ACCT, limit: 10 })).every((row) => row.state === 'canceled'));
    assert.deepEqual(await store.outbox.claim('node_a', T0 + 10_000, 1000, 10), []);
  });

  test('undeliveredEvents: pending, or failed with no success to that endpoint; canceled and no deliveries count as delivered', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['*']), endpoint('we_2', ['*']), endpoint('we_3', ['charge.refunded'])]);
    const ids = ['evt_ok', 'evt_pending', 'evt_failed', 'evt_resent'];
    await emit(store, ACCT, [
      ...ids.map((id) => event(id, 'refund.created')),
      event('evt_cancel', 'charge.refunded'),
      event('evt_none', 'opentill.webhook_endpoint.disabled'),
    ]);
    const all = [...ids, 'evt_cancel', 'evt_none', 'evt_missing'];
    const undelivered = async (accountId = ACCT, eventIds = all) =>
      [...(await store.outbox.undeliveredEvents(accountId, eventIds))].sort();
    assert.deepEqual(
      await undelivered(),
      ['evt_cancel', 'evt_failed', 'evt_ok', 'evt_pending', 'evt_resent'],
      'all pending at first',
    );
    const claimed = await store.outbox.claim('node_a', T0, 60_000, 100);
    assert.equal(claimed.length, 11);
    const finish = async (eventId: string, endpointId: string, outcome: DeliveryOutcome) => {
      const delivery = claimed.find((c) => c.eventId === eventId && c.endpointId === endpointId)!;
      assert.equal(await store.outbox.finish('node_a', delivery.id, outcome, null), true);
    };
    for (const eventId of ['evt_ok', 'evt_pending', 'evt_failed', 'evt_cancel'])
      await finish(eventId, 'we_1', { state: 'succeeded' });
    for (const eventId of ['evt_ok', 'evt_resent', 'evt_cancel']) await finish(eventId, 'we_2', { state: 'succeeded' });
    await finish('evt_pending', 'we_2', { state: 'pending', nextAttemptMs: T0 + 1000 });
    await finish('evt_failed', 'we_2', { state: 'failed' });
    await finish('evt_resent', 'we_1', { state: 'failed' });
    assert.equal(await store.outbox.cancelEndpoint(ACCT, 'we_3'), 1);
    assert.deepEqual(await undelivered(), ['evt_failed', 'evt_pending', 'evt_resent']);
    // A resend to the endpoint that failed: pending, then delivered once it succeeds.
    await store.outbox.enqueue([
      { accountId: ACCT, endpointId: 'we_1', eventId: 'evt_resent', eventType: 'refund.created', nextAttemptMs: T0 },
    ]);
    assert.deepEqual(await undelivered(), ['evt_failed', 'evt_pending', 'evt_resent']);
    const [resent, ...none] = await store.outbox.claim('node_a', T0, 60_000, 100);
    assert.equal(none.length, 0);
    assert.equal(await store.outbox.finish('node_a', resent!.id, { state: 'succeeded' }, null), true);
    assert.deepEqual(await undelivered(), ['evt_failed', 'evt_pending']);
    assert.deepEqual(await undelivered(ACCT, ['evt_pending', 'evt_ok']), ['evt_pending'], 'only the ids asked about');
    assert.deepEqual(await undelivered(ACCT, []), []);
    assert.deepEqual(await undelivered(OTHER), [], 'scoped to the account');
  });

  test('list deliverySuccess: every match is reachable by the cursors, however many non-matching events are newer', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['charge.refunded'])]);
    await emit(store, ACCT, [event('evt_old', 'charge.refunded')]);
    // Newer events no endpoint wants: delivered (nothing owed), more than a store page of them.
    const newer = Array.from({ length: 250 }, (_, i) =>
      event(`evt_new_${String(i).padStart(3, '0')}`, 'refund.created'),
    );
    await emit(store, ACCT, newer);
    await emit(store, OTHER, [event('evt_other_account', 'charge.refunded')]);
    const list = (
      deliverySuccess: boolean,
      cursor: { startingAfter?: string; endingBefore?: string } = {},
      limit = 100,
    ) => store.list({ accountId: ACCT, type: 'event', limit, deliverySuccess, ...cursor });
    const undelivered = await list(false, {}, 1);
    assert.deepEqual(
      undelivered.data.map((e) => e.id),
      ['evt_old'],
    );
    assert.equal(undelivered.hasMore, false);
    assert.deepEqual((await list(false, { endingBefore: 'evt_old' })).data, [], 'nothing newer is undelivered');
    const walk = async (deliverySuccess: boolean): Promise<string[]> => {
      const ids: string[] = [];
      let startingAfter: string | undefined;
      for (let pages = 0; pages < 10; pages += 1) {
        const page = await list(deliverySuccess, startingAfter ? { startingAfter } : {});
        ids.push(...page.data.map((e) => String(e.id)));
        if (!page.hasMore) return ids;
        startingAfter = ids[ids.length - 1];
      }
      throw new Error('more pages than events');
    };
    assert.deepEqual(await walk(true), newer.map((e) => String(e.id)).reverse(), 'every delivered event, newest first');
    const back = await list(true, { endingBefore: 'evt_new_000' }, 3);
    assert.deepEqual(
      back.data.map((e) => e.id),
      ['evt_new_003', 'evt_new_002', 'evt_new_001'],
    );
    // Once delivered, the old event moves to the other side.
    const [delivery, ...none] = await store.outbox.claim('node_a', T0, 60_000, 10);
    assert.equal(none.length, 0);
    assert.equal(await store.outbox.finish('node_a', delivery!.id, { state: 'succeeded' }, null), true);
    assert.deepEqual((await list(false)).data, []);
    assert.deepEqual((await walk(true)).slice(-2), ['evt_new_000', 'evt_old']);
  });

  test('concurrent claims by several nodes never hand out the same delivery', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['*'])]);
    await emit(
      store,
      ACCT,
      Array.from({ length: 30 }, (_, i) => event(`evt_${i}`, 'charge.succeeded')),
    );
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.outbox.claim(`node_${i}`, T0, 60_000, 8)),
    );
    const all = claims.flat().map((c) => c.id);
    assert.equal(new Set(all).size, all.length, 'no delivery claimed twice');
    const rest = await store.outbox.claim('node_x', T0, 60_000, 100);
    assert.equal(all.length + rest.length, 30, 'every delivery claimed exactly once');
  });

  test('subscribe: PostgreSQL wakes the listener when a commit queues deliveries; SQLite needs no wake-up', async (store) => {
    await setup(store);
    await put(store, ACCT, [endpoint('we_1', ['*'])]);
    let wakes = 0;
    const stop = await store.outbox.subscribe(() => {
      wakes += 1;
    });
    try {
      if (store.dialect === 'postgres') {
        // One wake-up once listening (for what was committed before), then one per NOTIFY.
        const listening = wakes;
        assert.equal(listening, 1);
        await emit(store, ACCT, [event('evt_1', 'charge.succeeded')]);
        for (let tries = 0; wakes === listening; tries += 1) {
          assert.ok(tries < 400, 'woken by the NOTIFY of the commit');
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      } else {
        // The single dispatcher is woken by its own process's commits (engine.onCommit).
        await emit(store, ACCT, [event('evt_1', 'charge.succeeded')]);
        assert.equal(wakes, 0);
      }
    } finally {
      await stop();
    }
  });

  test('lease: one dispatcher at a time on SQLite; every process on PostgreSQL', async (store) => {
    assert.equal(await store.outbox.lease('node_a', T0, 1000), true);
    assert.equal(await store.outbox.lease('node_a', T0 + 500, 1000), true, 'renewed by its holder');
    const other = await store.outbox.lease('node_b', T0 + 1000, 1000);
    if (store.dialect === 'sqlite') {
      assert.equal(other, false);
      assert.equal(await store.outbox.lease('node_b', T0 + 1501, 1000), true, 'taken over once expired');
      assert.equal(await store.outbox.lease('node_a', T0 + 1600, 1000), false);
      await store.outbox.releaseLease('node_a');
      assert.equal(await store.outbox.lease('node_a', T0 + 1700, 1000), false, 'only the holder releases');
      await store.outbox.releaseLease('node_b');
      assert.equal(await store.outbox.lease('node_a', T0 + 1700, 1000), true, 'released: free at once');
    } else {
      await store.outbox.releaseLease('node_a');
      assert.equal(other, true);
    }
  });

  test("resetAccount deletes one account's objects, events, deliveries, attempts and idempotency keys, nothing else", async (store) => {
    await setup(store);
    await store.addApiKey({ hash: 'h_reset', accountId: ACCT, kind: 'secret', last4: 'eset', created: 1 });
    await put(store, ACCT, [endpoint('we_1', ['*'])]);
    await put(store, OTHER, [endpoint('we_other', ['*'])]);
    await emit(store, ACCT, [event('evt_1', 'refund.created')]);
    await emit(store, OTHER, [event('evt_o', 'refund.created')]);
    const [claimed] = await store.outbox
      .claim('node_a', T0 + 10 ** 9, 5_000, 10)
      .then((rows) => rows.filter((r) => r.accountId === ACCT));
    assert.ok(claimed);
    assert.equal(
      await store.outbox.finish(
        'node_a',
        claimed.id,
        { state: 'failed' },
        attempt(claimed.id, 'evt_1', 'we_1', 1, 500),
      ),
      true,
    );
    assert.equal((await store.idempotency.begin(ACCT, 'key_1', 'hash', T0, 'tok_reset')).kind, 'started');
    assert.equal((await store.idempotency.begin(OTHER, 'key_1', 'hash', T0, 'tok_reset')).kind, 'started');

    assert.deepEqual(await store.resetAccount(ACCT), { objects: 2, deliveries: 1, attempts: 1, idempotencyKeys: 1 });
    assert.equal(await store.get(ACCT, 'we_1'), null);
    assert.equal(await store.get(ACCT, 'evt_1'), null);
    assert.deepEqual(await store.outbox.deliveries({ accountId: ACCT, limit: 10 }), []);
    assert.deepEqual(await store.outbox.attempts({ accountId: ACCT, limit: 10 }), []);
    assert.equal(
      (await store.idempotency.begin(ACCT, 'key_1', 'other hash', T0, 'tok_reset')).kind,
      'started',
      'the key is forgotten',
    );
    // The account, its keys and the other account's data stay.
    assert.ok(await store.getAccount(ACCT));
    assert.equal((await store.findApiKey('h_reset'))?.accountId, ACCT);
    assert.ok(await store.get(OTHER, 'we_other'));
    assert.ok(await store.get(OTHER, 'evt_o'));
    assert.equal((await store.outbox.deliveries({ accountId: OTHER, limit: 10 })).length, 1);
    assert.equal(
      (await store.idempotency.begin(OTHER, 'key_1', 'other hash', T0, 'tok_reset')).kind,
      'in_use',
      'the other account keeps its key',
    );
    assert.deepEqual(
      await store.resetAccount(ACCT),
      { objects: 0, deliveries: 0, attempts: 0, idempotencyKeys: 1 },
      'the key begun after the first reset',
    );
  });
}
