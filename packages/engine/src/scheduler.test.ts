/** The scheduler hands each object past its deadline to the handler of its type, per account, bounded per tick. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredObject } from '@opentill/core';
import { ManualClock, SequentialIds } from './adapters.js';
import { Engine } from './engine.js';
import type { PaymentIntents } from './payment-intents.js';
import type { Refunds } from './refunds.js';
import { Scheduler } from './scheduler.js';
import type { Store, StoredRecord } from './store.js';

const record = (id: string, object: string): StoredRecord => ({
  object: { id, object, created: 0, livemode: false } as StoredObject,
  version: 1,
});

function setup(dueByAccount: Record<string, StoredRecord[]>) {
  const dueCalls: Array<[string, number, number]> = [];
  const store = {
    async getAccount(id: string) {
      return { id, created: 0, clockOffsetMs: id === 'acct_b' ? 5_000 : 0, settings: {} };
    },
    async listAccounts() {
      return Object.keys(dueByAccount).map((id) => ({ id, created: 0, clockOffsetMs: 0, settings: {} }));
    },
    async due(accountId: string, nowMs: number, limit: number) {
      dueCalls.push([accountId, nowMs, limit]);
      return dueByAccount[accountId] ?? [];
    },
  };
  const handled: string[] = [];
  const paymentIntents = {
    expire: async (ctx: { accountId: string; nowMs: number }, r: StoredRecord) => {
      handled.push(`expire ${ctx.accountId} ${r.object.id} ${ctx.nowMs}`);
    },
  };
  const refunds = {
    failLater: async (ctx: { accountId: string }, r: StoredRecord) => {
      handled.push(`failLater ${ctx.accountId} ${r.object.id}`);
    },
  };
  const engine = new Engine({
    store: store as unknown as Store,
    processor: {} as never,
    clock: new ManualClock(1_000),
    ids: new SequentialIds(),
  });
  const scheduler = new Scheduler(engine, paymentIntents as unknown as PaymentIntents, refunds as unknown as Refunds);
  return { scheduler, handled, dueCalls };
}

describe('Scheduler', () => {
  it('hands due payment intents and refunds to their handlers, at the account clock, at most 100 per account per tick', async () => {
    const { scheduler, handled, dueCalls } = setup({
      acct_b: [record('pi_1', 'payment_intent'), record('re_1', 'refund'), record('x_1', 'unknown')],
    });
    assert.equal(await scheduler.tickAccount('acct_b'), 3, 'every due object counts, handled or not');
    assert.deepEqual(handled, ['expire acct_b pi_1 6000', 'failLater acct_b re_1']);
    assert.deepEqual(dueCalls, [['acct_b', 6_000, 100]]);
  });

  it('a registered handler takes the objects of its type', async () => {
    const { scheduler, handled } = setup({ acct_a: [record('tmr_1', 'terminal.reader')] });
    scheduler.register('terminal.reader', async (ctx, r) => {
      handled.push(`reader ${ctx.accountId} ${r.object.id}`);
    });
    await scheduler.tick();
    assert.deepEqual(handled, ['reader acct_a tmr_1']);
  });

  it('a tick visits every account', async () => {
    const { scheduler, handled } = setup({
      acct_a: [record('pi_a', 'payment_intent')],
      acct_c: [record('re_c', 'refund')],
    });
    await scheduler.tick();
    assert.deepEqual(handled, ['expire acct_a pi_a 1000', 'failLater acct_c re_c']);
  });
});
