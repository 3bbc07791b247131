/**
 * The engine's own rules, without a database: the commit batch it hands the store, the retry on a
 * version conflict (bounded by `limits.commitRetryCountMax`), account scoping and type checks of
 * loads. The store here is a small in-memory double of the methods `Engine` calls; the real stores
 * are proven by the store contract suite.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, limits, type StoredObject } from '@opentill/core';
import Stripe from 'stripe';
import { ManualClock, SequentialIds } from './adapters.js';
import { Conflict, Engine, apiVersion, canExist, versionsOf, type RequestContext } from './engine.js';
import { newIdempotencyHandle } from './idempotency.js';
import { kinds } from './kinds.js';
import type { CommitBatch, CommitResult, Store, StoredRecord, StoredText } from './store.js';

class MemoryStore {
  readonly batches: CommitBatch[] = [];
  readonly records = new Map<string, StoredRecord & { accountId: string }>();
  readonly settings = new Map<string, string>();
  /** Answers for the next commits, in order; then `{ ok: true, deliveries: 0 }`. */
  readonly results: CommitResult[] = [];
  readonly getTextCalls: string[] = [];
  clockOffsetMs = 0;

  async getAccount(id: string) {
    return id === 'acct_1' ? { id, created: 0, clockOffsetMs: this.clockOffsetMs, settings: {} } : null;
  }
  async get<T extends StoredObject>(accountId: string, id: string): Promise<StoredRecord<T> | null> {
    const record = this.records.get(id);
    return record && record.accountId === accountId ? { object: record.object as T, version: record.version } : null;
  }
  async getText(accountId: string, id: string): Promise<StoredText | null> {
    this.getTextCalls.push(id);
    const record = this.records.get(id);
    return record && record.accountId === accountId
      ? { type: record.object.object, version: record.version, data: JSON.stringify(record.object) }
      : null;
  }
  async commit(batch: CommitBatch): Promise<CommitResult> {
    this.batches.push(batch);
    return this.results.shift() ?? { ok: true, deliveries: 0 };
  }
  async setting(name: string, value: string): Promise<string> {
    if (!this.settings.has(name)) this.settings.set(name, value);
    return this.settings.get(name)!;
  }
  put(accountId: string, object: StoredObject, version = 1): void {
    this.records.set(object.id, { accountId, object, version });
  }
}

function setup(options: { withText?: boolean } = {}) {
  const store = new MemoryStore();
  if (options.withText === false) (store as { getText?: unknown }).getText = undefined;
  const clock = new ManualClock(1_700_000_000_500);
  const engine = new Engine({
    store: store as unknown as Store,
    processor: {} as never,
    clock,
    ids: new SequentialIds(),
  });
  const ctx: RequestContext = {
    accountId: 'acct_1',
    requestId: 'req_1',
    idempotencyKey: 'key-1',
    idempotency: null,
    nowMs: 1_700_000_123_999,
    apiVersion,
  };
  return { store, clock, engine, ctx };
}

const pi = (id: string, extra: Record<string, unknown> = {}): StoredObject => ({
  id,
  object: 'payment_intent',
  created: 1,
  livemode: false,
  ...extra,
});

describe('Engine.commit', () => {
  it('hands the store one batch: each object with its text and loaded version, its deadline, the events', async () => {
    const { store, engine, ctx } = setup();
    const changed = [pi('pi_a', { amount: 100 }), pi('pi_b')];
    const events = await engine.commit(
      ctx,
      changed,
      [
        {
          type: 'payment_intent.created',
          object: pi('pi_b', { _internal: { secret: 'x' } }),
          previousAttributes: { status: 'old' },
        },
      ],
      new Map([['pi_a', 3]]),
      new Map([
        ['pi_a', 5_000],
        ['pi_b', null],
      ]),
    );
    assert.equal(store.batches.length, 1);
    const batch = store.batches[0]!;
    assert.equal(batch.accountId, 'acct_1');
    assert.equal(batch.nowMs, ctx.nowMs);
    assert.equal('idempotency' in batch, false);
    assert.deepEqual(
      batch.puts.map((put) => [put.object.id, put.expectedVersion, put.deadlineMs, put.data]),
      [
        ['pi_a', 3, 5_000, JSON.stringify(changed[0])],
        ['pi_b', 0, null, JSON.stringify(changed[1])],
      ],
    );
    assert.deepEqual(batch.events, events);
    assert.deepEqual(events, [
      {
        id: 'evt_000000000000000000000001',
        object: 'event',
        api_version: apiVersion,
        created: 1_700_000_123,
        data: {
          object: { id: 'pi_b', object: 'payment_intent', created: 1, livemode: false },
          previous_attributes: { status: 'old' },
        },
        livemode: false,
        pending_webhooks: 0,
        request: { id: 'req_1', idempotency_key: 'key-1' },
        type: 'payment_intent.created',
      },
    ]);
    assert.equal(engine.committedJson(changed[0]), JSON.stringify(changed[0]));
    assert.equal(engine.committedJson(pi('pi_a', { amount: 100 })), undefined, 'only the very objects committed');
    assert.equal(engine.committedJson(null), undefined);
    assert.equal(engine.committedJson('pi_a'), undefined);
  });

  it('leaves a deadline it was not given undefined (the store keeps the stored one) and omits absent previous attributes', async () => {
    const { store, engine, ctx } = setup();
    const events = await engine.commit(
      ctx,
      [pi('pi_a')],
      [{ type: 'payment_intent.succeeded', object: pi('pi_a') }],
      new Map(),
    );
    assert.equal(store.batches[0]!.puts[0]!.deadlineMs, undefined);
    assert.equal('deadlineMs' in store.batches[0]!.puts[0]!, true);
    assert.deepEqual(events[0]!.data, { object: pi('pi_a') });
  });

  it('tells listeners after a successful commit, with the events, the objects and the deliveries queued; unsubscribing stops it', async () => {
    const { store, engine, ctx } = setup();
    const heard: unknown[] = [];
    const stop = engine.onCommit((accountId, events, changed, deliveries) =>
      heard.push([accountId, events.map((e) => e.type), changed.map((o) => o.id), deliveries]),
    );
    store.results.push({ ok: true, deliveries: 2 });
    await engine.commit(ctx, [pi('pi_a')], [{ type: 'payment_intent.created', object: pi('pi_a') }], new Map());
    assert.deepEqual(heard, [['acct_1', ['payment_intent.created'], ['pi_a'], 2]]);
    stop();
    await engine.commit(ctx, [pi('pi_a')], [], new Map([['pi_a', 1]]));
    assert.equal(heard.length, 1);
  });

  it('throws Conflict naming the object, and tells no listener, when another writer won', async () => {
    const { store, engine, ctx } = setup();
    let heard = 0;
    engine.onCommit(() => {
      heard += 1;
    });
    store.results.push({ ok: false, conflictId: 'pi_a' });
    await assert.rejects(
      engine.commit(ctx, [pi('pi_a')], [], new Map([['pi_a', 1]])),
      (error: unknown) => error instanceof Conflict && error.message === 'pi_a',
    );
    assert.equal(heard, 0);
  });

  it('records the effect on the idempotency key in the same batch, in clear without a one-time answer', async () => {
    const { store, engine, ctx } = setup();
    const handle = newIdempotencyHandle('key-1', 'tok-1');
    const object = pi('pi_a', { amount: 5 });
    await engine.commit({ ...ctx, idempotency: handle }, [object], [], new Map());
    const idempotency = store.batches[0]!.idempotency!;
    assert.equal(idempotency.key, 'key-1');
    assert.equal(idempotency.token, 'tok-1');
    assert.equal(
      idempotency.effect,
      `{"objects":[{"id":"pi_a","type":"payment_intent","created":true,"data":${JSON.stringify(object)}}],"answer":null,"error":null}`,
    );
    assert.deepEqual([...handle.effect.objects.keys()], ['pi_a'], 'the handle learns the effect once committed');
  });

  it('seals the effect when it holds a one-time answer, and the sealed text opens to the effect', async () => {
    const { store, engine, ctx } = setup();
    const handle = newIdempotencyHandle('key-1', 'tok-1');
    await engine.commit({ ...ctx, idempotency: handle }, [], [], new Map(), new Map(), {
      answer: { secret: 'shown-once' },
    });
    const sealed = store.batches[0]!.idempotency!.effect;
    assert.match(sealed, /^s1\./);
    assert.equal(sealed.includes('shown-once'), false);
    assert.equal(await engine.sealer.open(sealed), '{"objects":[],"answer":{"secret":"shown-once"},"error":null}');
    assert.equal(handle.effect.answer, '{"secret":"shown-once"}');
    assert.deepEqual(
      [...store.settings.keys()],
      ['idempotency_sealing_key'],
      'the secret keeps its name across versions (sealed keys stay readable)',
    );
  });

  it('a request that lost its key cannot commit: idempotency_key_in_use, and the handle keeps its old effect', async () => {
    const { store, engine, ctx } = setup();
    const handle = newIdempotencyHandle('key-9', 'tok-1');
    store.results.push({ ok: false, conflictId: 'key-9', keyLost: true });
    await assert.rejects(
      engine.commit({ ...ctx, idempotency: handle }, [pi('pi_a')], [], new Map()),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'idempotency_key_in_use');
        assert.equal(
          error.message,
          'This request held the Idempotency-Key key-9 for longer than 60 seconds, and a retry with the same ' +
            'key has taken it over; this request did not take effect. Please try again later.',
        );
        return true;
      },
    );
    assert.equal(handle.effect.objects.size, 0);
  });
});

describe('Engine.retrying', () => {
  it('runs the attempt again after each Conflict and answers the first attempt that commits', async () => {
    const { engine } = setup();
    let calls = 0;
    const answer = await engine.retrying(async () => {
      calls += 1;
      if (calls < limits.commitRetryCountMax) throw new Conflict('pi_a');
      return 'done';
    });
    assert.equal(answer, 'done');
    assert.equal(calls, limits.commitRetryCountMax);
  });

  it(`gives up after exactly commitRetryCountMax (${limits.commitRetryCountMax}) conflicts with Stripe's lock_timeout`, async () => {
    const { engine } = setup();
    let calls = 0;
    await assert.rejects(
      engine.retrying(async () => {
        calls += 1;
        throw new Conflict('pi_a');
      }),
      (error: unknown) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, 'lock_timeout');
        assert.equal(error.status, 429);
        assert.equal(
          error.message,
          'This object cannot be accessed right now because another API request or Stripe process is currently ' +
            'accessing it. If you see this error intermittently, retry the request.',
        );
        assert.deepEqual(error.headers, { 'Stripe-Should-Retry': 'true' });
        return true;
      },
    );
    assert.equal(calls, limits.commitRetryCountMax);
  });

  it('never retries another error', async () => {
    const { engine } = setup();
    let calls = 0;
    const failure = new Error('boom');
    await assert.rejects(
      engine.retrying(async () => {
        calls += 1;
        throw failure;
      }),
      (error) => error === failure,
    );
    assert.equal(calls, 1);
  });
});

describe('Engine.load / loadText / find', () => {
  it('loads an object of the asked type from the asked account only', async () => {
    const { store, engine, ctx } = setup();
    store.put('acct_1', pi('pi_a'), 4);
    store.put('acct_2', pi('pi_other'));
    store.put('acct_1', { id: 'ch_a', object: 'charge', created: 1, livemode: false });
    store.put('acct_1', pi('pi_gone', { deleted: true }));
    assert.deepEqual(await engine.load(ctx, kinds.paymentIntent, 'pi_a'), { object: pi('pi_a'), version: 4 });
    const missing = async (id: string, stripeName?: string) =>
      assert.rejects(
        engine.load(ctx, stripeName ? { ...kinds.paymentIntent, stripeName } : kinds.paymentIntent, id),
        (error: unknown) => {
          assert.ok(error instanceof ApiError);
          assert.equal(error.code, 'resource_missing');
          assert.equal(error.status, 404);
          assert.equal(error.body.param, 'intent');
          assert.equal(error.message, `No such ${stripeName ?? 'payment_intent'}: '${id}'`);
          return true;
        },
      );
    await missing('pi_other');
    await missing('ch_a');
    await missing('pi_gone');
    await missing('pi_nothing', 'PaymentIntent');
    await missing('pi_a\u0000');
  });

  it('loadText answers the stored text with the same scoping and type check; null for a deleted object or a store without text', async () => {
    const { store, engine, ctx } = setup();
    store.put('acct_1', pi('pi_a'), 2);
    store.put('acct_2', pi('pi_other'));
    store.put('acct_1', pi('pi_gone', { deleted: true }));
    store.put('acct_1', { id: 'ch_a', object: 'charge', created: 1, livemode: false });
    assert.deepEqual(await engine.loadText(ctx, kinds.paymentIntent, 'pi_a'), {
      type: 'payment_intent',
      version: 2,
      data: JSON.stringify(pi('pi_a')),
    });
    assert.equal(await engine.loadText(ctx, kinds.paymentIntent, 'pi_gone'), null);
    for (const id of ['pi_other', 'ch_a', 'pi_none']) {
      await assert.rejects(
        engine.loadText(ctx, { ...kinds.paymentIntent, stripeName: 'PaymentIntent' }, id),
        (error: unknown) =>
          error instanceof ApiError &&
          error.code === 'resource_missing' &&
          error.message === `No such PaymentIntent: '${id}'` &&
          error.body.param === 'intent',
      );
    }
    await assert.rejects(
      engine.loadText(ctx, kinds.paymentIntent, 'pi_a\u0000'),
      (error: unknown) => error instanceof ApiError && error.message === `No such payment_intent: 'pi_a\u0000'`,
    );
    assert.equal(store.getTextCalls.includes('pi_a\u0000'), false, 'an id with NUL never reaches the store');
    const bare = setup({ withText: false });
    bare.store.put('acct_1', pi('pi_a'));
    assert.equal(await bare.engine.loadText(bare.ctx, kinds.paymentIntent, 'pi_a'), null);
  });

  it('find answers null for no id, an id with NUL or another account, the record otherwise', async () => {
    const { store, engine, ctx } = setup();
    store.put('acct_1', pi('pi_a'), 7);
    store.put('acct_1', pi('pi_b\u0000'), 7);
    store.put('acct_2', pi('pi_other'));
    assert.deepEqual(await engine.find(ctx, 'pi_a'), { object: pi('pi_a'), version: 7 });
    assert.equal(await engine.find(ctx, null), null);
    assert.equal(await engine.find(ctx, undefined), null);
    assert.equal(await engine.find(ctx, ''), null);
    assert.equal(await engine.find(ctx, 'pi_b\u0000'), null);
    assert.equal(await engine.find(ctx, 'pi_other'), null);
  });
});

describe('Engine.automaticContext', () => {
  it('is the account clock (wall clock plus the offset) with no request, key or hold behind it', async () => {
    const { store, engine, clock } = setup();
    store.clockOffsetMs = 86_400_000;
    assert.deepEqual(await engine.automaticContext('acct_1'), {
      accountId: 'acct_1',
      requestId: null,
      idempotencyKey: null,
      idempotency: null,
      nowMs: clock.nowMs() + 86_400_000,
      apiVersion,
      platformId: null,
    });
    await assert.rejects(engine.automaticContext('acct_missing'), /assertion failed: account acct_missing exists/);
  });
});

describe('canExist / versionsOf', () => {
  it('an id with NUL can name nothing', () => {
    assert.equal(canExist('pi_a'), true);
    assert.equal(canExist('pi_\u0000a'), false);
  });
  it('maps each loaded record to its version, skipping absent ones', () => {
    assert.deepEqual(
      [...versionsOf({ object: pi('pi_a'), version: 3 }, null, undefined, { object: pi('pi_b'), version: 1 })],
      [
        ['pi_a', 3],
        ['pi_b', 1],
      ],
    );
  });
});

describe('apiVersion', () => {
  it('is the version the stripe package this project proves compatibility with pins', () => {
    assert.equal(apiVersion, Stripe.API_VERSION);
  });
});
