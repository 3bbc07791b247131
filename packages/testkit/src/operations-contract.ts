/**
 * The request log and dashboard sessions part of the store contract (engine/src/operations-store.ts):
 * pages newest first with cursors both ways, filters, account scoping, pruning by age and count,
 * sessions and single-use sign-in tokens. Run by `runStoreContract` for every adapter.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { RequestLogEntry, Store } from '@opentill/engine';

type Test = (title: string, body: (store: Store, t: TestContext) => Promise<void>) => void;

const ACCT = 'acct_log_a';
const OTHER = 'acct_log_b';
const T0 = 1_700_000_000_000;

function entry(n: number, extra: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    id: `req_${String(n).padStart(4, '0')}`,
    accountId: ACCT,
    createdMs: T0 + n,
    method: 'POST',
    path: '/v1/payment_intents',
    status: 200,
    idempotencyKey: null,
    replayed: false,
    errorType: null,
    errorCode: null,
    durationMs: 1.5,
    source: 'secret_key',
    requestParams: '{"amount":1000}',
    responseBody: `{"id":"pi_${n}"}`,
    ...extra,
  };
}

const ids = (page: { data: Array<{ id: string }> }) => page.data.map((row) => row.id);

export function operationsContract(test: Test): void {
  test('request log: append, get with bodies, list newest first with both cursors', async (store) => {
    await store.requestLog.append([1, 2, 3, 4, 5].map((n) => entry(n)));
    await store.requestLog.append([entry(6, { accountId: OTHER })]);
    assert.deepEqual(await store.requestLog.get(ACCT, 'req_0002'), entry(2));
    assert.equal(await store.requestLog.get(OTHER, 'req_0002'), null, 'scoped to its account');
    const first = await store.requestLog.list({ accountId: ACCT, limit: 2 });
    assert.deepEqual(ids(first), ['req_0005', 'req_0004']);
    assert.equal(first.hasMore, true);
    const { requestParams: _p, responseBody: _b, ...summary } = entry(5);
    assert.deepEqual(first.data[0], summary, 'a page carries no bodies');
    const next = await store.requestLog.list({ accountId: ACCT, limit: 2, startingAfter: 'req_0004' });
    assert.deepEqual(ids(next), ['req_0003', 'req_0002']);
    const last = await store.requestLog.list({ accountId: ACCT, limit: 2, startingAfter: 'req_0002' });
    assert.deepEqual(ids(last), ['req_0001']);
    assert.equal(last.hasMore, false);
    const back = await store.requestLog.list({ accountId: ACCT, limit: 2, endingBefore: 'req_0002' });
    assert.deepEqual(ids(back), ['req_0004', 'req_0003']);
    assert.equal(back.hasMore, true);
    const after = await store.requestLog.list({ accountId: ACCT, limit: 10, after: 'req_0003' });
    assert.deepEqual(ids(after), ['req_0005', 'req_0004']);
    assert.deepEqual(
      ids(await store.requestLog.list({ accountId: ACCT, limit: 10, startingAfter: 'req_0006' })),
      [],
      'a cursor of another account matches nothing',
    );
    assert.equal(await store.requestLog.count(), 6);
  });

  test('request log: an id already stored is skipped', async (store) => {
    await store.requestLog.append([entry(1)]);
    await store.requestLog.append([entry(1, { status: 500 }), entry(2)]);
    assert.equal((await store.requestLog.get(ACCT, 'req_0001'))?.status, 200);
    assert.equal(await store.requestLog.count(), 2);
  });

  test('request log: filters by status class or code, method, path prefix, request id or idempotency key', async (store) => {
    await store.requestLog.append([
      entry(1, { status: 200, method: 'GET', path: '/v1/payment_intents/pi_1' }),
      entry(2, {
        status: 402,
        errorType: 'card_error',
        errorCode: 'card_declined',
        idempotencyKey: 'key-2',
        replayed: true,
      }),
      entry(3, { status: 404, method: 'GET', path: '/v1/charges/ch_x' }),
      entry(4, { status: 500, path: '/opentill/v1/test/clock/advance' }),
      entry(5, { status: 200, path: '/v1/PAYMENT_intents' }),
    ]);
    const list = async (query: Record<string, unknown>) =>
      ids(await store.requestLog.list({ accountId: ACCT, limit: 10, ...query }));
    assert.deepEqual(await list({ statusClass: 4 }), ['req_0003', 'req_0002']);
    assert.deepEqual(await list({ status: 402 }), ['req_0002']);
    assert.deepEqual(await list({ method: 'GET' }), ['req_0003', 'req_0001']);
    assert.deepEqual(
      await list({ pathPrefix: '/v1/payment_intents' }),
      ['req_0002', 'req_0001'],
      'prefix is case-sensitive',
    );
    assert.deepEqual(await list({ pathPrefix: '/opentill/' }), ['req_0004']);
    assert.deepEqual(await list({ q: 'key-2' }), ['req_0002']);
    assert.deepEqual(await list({ q: 'req_0003' }), ['req_0003']);
    assert.deepEqual(await list({ q: 'nothing' }), []);
    assert.deepEqual(await list({ q: 'key-2', method: 'GET' }), [], 'q combines with the other filters');
    assert.deepEqual(await list({ statusClass: 5 }), ['req_0004']);
    assert.deepEqual(
      await list({ statusClass: 4, startingAfter: 'req_0003' }),
      ['req_0002'],
      'a filter pages with a cursor',
    );
    assert.deepEqual(await list({ method: 'GET', statusClass: 2 }), ['req_0001']);
    const row = await store.requestLog.get(ACCT, 'req_0002');
    assert.deepEqual(
      [row?.replayed, row?.errorType, row?.errorCode, row?.idempotencyKey],
      [true, 'card_error', 'card_declined', 'key-2'],
    );
  });

  test('request log: pruning by age then by count, oldest first, in bounded batches', async (store) => {
    await store.requestLog.append(Array.from({ length: 30 }, (_, i) => entry(i + 1)));
    // Age: entries 1..9 are older than T0 + 10.
    assert.equal(await store.requestLog.prune({ olderThanMs: T0 + 10, rowsMax: 1000, batchRows: 4 }), 9);
    assert.equal(await store.requestLog.count(), 21);
    // Count: keep the newest 5.
    assert.equal(await store.requestLog.prune({ olderThanMs: 0, rowsMax: 5, batchRows: 4 }), 16);
    assert.deepEqual(ids(await store.requestLog.list({ accountId: ACCT, limit: 10 })), [
      'req_0030',
      'req_0029',
      'req_0028',
      'req_0027',
      'req_0026',
    ]);
    assert.equal(await store.requestLog.prune({ olderThanMs: 0, rowsMax: 5, batchRows: 4 }), 0, 'nothing more to do');
  });

  test('dashboard sessions: insert, find, touch, delete; other hashes find nothing', async (store) => {
    const session = { tokenHash: 'a'.repeat(64), accountId: ACCT, csrfToken: 'csrf', createdMs: T0, lastSeenMs: T0 };
    await store.dashboardSessions.insertSession(session);
    assert.deepEqual(await store.dashboardSessions.findSession(session.tokenHash), session);
    assert.equal(await store.dashboardSessions.findSession('b'.repeat(64)), null);
    await store.dashboardSessions.touchSession(session.tokenHash, T0 + 5);
    assert.equal((await store.dashboardSessions.findSession(session.tokenHash))?.lastSeenMs, T0 + 5);
    assert.equal(await store.dashboardSessions.deleteSession(session.tokenHash), true);
    assert.equal(await store.dashboardSessions.deleteSession(session.tokenHash), false);
    assert.equal(await store.dashboardSessions.findSession(session.tokenHash), null);
  });

  test('dashboard sessions: sign-in tokens work once and only before they expire; pruning', async (store) => {
    await store.dashboardSessions.insertSignInToken('t1', ACCT, T0 + 1000);
    await store.dashboardSessions.insertSignInToken('t2', ACCT, T0 + 1000);
    assert.equal(await store.dashboardSessions.consumeSignInToken('t1', T0), ACCT);
    assert.equal(await store.dashboardSessions.consumeSignInToken('t1', T0), null, 'single use');
    assert.equal(await store.dashboardSessions.consumeSignInToken('t2', T0 + 1000), null, 'expired');
    assert.equal(
      await store.dashboardSessions.consumeSignInToken('t2', T0),
      null,
      'an expired token is gone once tried',
    );
    await store.dashboardSessions.insertSignInToken('t3', ACCT, T0 + 10);
    await store.dashboardSessions.insertSession({
      tokenHash: 'idle',
      accountId: ACCT,
      csrfToken: 'c',
      createdMs: T0,
      lastSeenMs: T0,
    });
    await store.dashboardSessions.insertSession({
      tokenHash: 'old',
      accountId: ACCT,
      csrfToken: 'c',
      createdMs: T0 - 100,
      lastSeenMs: T0 + 50,
    });
    await store.dashboardSessions.insertSession({
      tokenHash: 'live',
      accountId: ACCT,
      csrfToken: 'c',
      createdMs: T0,
      lastSeenMs: T0 + 50,
    });
    assert.equal(await store.dashboardSessions.pruneSessions(T0 + 10, T0 - 50, T0 + 20), 3);
    assert.equal((await store.dashboardSessions.findSession('live'))?.accountId, ACCT);
    assert.equal(await store.dashboardSessions.findSession('idle'), null);
    assert.equal(await store.dashboardSessions.findSession('old'), null);
  });

  test('migrationsApplied is true once migrated; an empty outbox has no backlog', async (store) => {
    assert.equal(await store.migrationsApplied(), true);
    assert.deepEqual(await store.outbox.backlog(), { pending: 0, oldestDueMs: null });
  });
}
