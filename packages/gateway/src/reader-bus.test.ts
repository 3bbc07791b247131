/**
 * The reader bus between two nodes on one store, on SQLite (two buses in one process: the same code
 * path as one node) and on PostgreSQL (two stores with their own pools on one schema: two nodes).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { systemClock, type ReaderBusStore, type ReaderMessage, type Store } from '@opentill/engine';
import { SqliteStore } from '@opentill/store-sqlite';
import { PostgresStore } from '@opentill/store-postgres';
import { freshSchema, testPostgres } from '@opentill/testkit';
import { ReaderBus, type ReaderBusOptions } from './reader-bus.js';

const ACCT = 'acct_bus';

interface TwoNodes {
  a: Store;
  b: Store;
  cleanup(): Promise<void>;
}

const kinds: Record<string, () => Promise<TwoNodes>> = {
  sqlite: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentill-bus-'));
    const store = new SqliteStore(join(dir, 'bus.db'));
    await store.migrate();
    return {
      a: store,
      b: store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async () => {
    const { url, poolMax } = await testPostgres();
    const schema = await freshSchema(url, 'reader bus');
    const a = new PostgresStore({ connectionString: schema.url, poolMax });
    const b = new PostgresStore({ connectionString: schema.url, poolMax });
    await a.migrate();
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
        await schema.drop();
      },
    };
  },
};

for (const [kind, open] of Object.entries(kinds)) {
  describe(`reader bus between two nodes (${kind})`, () => {
    let stores: TwoNodes;
    const buses: ReaderBus[] = [];
    const lost: Array<{ node: string; readerId: string }> = [];
    let lostWaiter: (() => void) | null = null;

    const bus = async (
      nodeId: string,
      handle: (message: ReaderMessage) => Promise<string>,
      options: ReaderBusOptions = {},
      wrap: (store: ReaderBusStore) => ReaderBusStore = (store) => store,
    ) => {
      const store = buses.length % 2 === 0 ? stores.a : stores.b;
      const created = new ReaderBus(
        wrap(store.readerBus),
        systemClock,
        handle,
        (_account, readerId, _epoch) => {
          lost.push({ node: nodeId, readerId });
          lostWaiter?.();
        },
        { nodeId, pollMs: 50, leaseMs: 600, ...options },
      );
      await created.start();
      buses.push(created);
      return created;
    };
    const request = (from: ReaderBus, toNode: string, budget = { pickupMs: 1_000, answerMs: 1_000 }) =>
      from.request({ accountId: ACCT, readerId: 'tmr_1', toNode, kind: 'deliver', payload: '{"ping":1}' }, budget);

    before(async () => {
      stores = await open();
    });
    after(async () => {
      for (const created of buses) await created.stop();
      await stores.cleanup();
    });

    test('a request is taken by its node once and its answer comes back', async () => {
      const seen: ReaderMessage[] = [];
      const owner = await bus(`${kind}_owner`, async (message) => {
        seen.push(message);
        return JSON.stringify({ pong: message.payload });
      });
      const sender = await bus(`${kind}_sender`, async () => '{}');
      const epoch = await owner.own(ACCT, 'tmr_1');
      assert.equal(typeof epoch, 'number');
      assert.equal(await sender.ownerOf(ACCT, 'tmr_1'), owner.nodeId);
      assert.deepEqual(await request(sender, owner.nodeId), {
        kind: 'answered',
        result: JSON.stringify({ pong: '{"ping":1}' }),
      });
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.fromNode, sender.nodeId);
      await owner.release(ACCT, 'tmr_1', epoch!);
      assert.equal(await sender.ownerOf(ACCT, 'tmr_1'), null);
    });

    test("a request to the reader's holder finds it in the same statement; no other node holding it: unheld", async () => {
      const holder = await bus(`${kind}_holder`, async (message) => JSON.stringify({ to: message.toNode }));
      const sender = await bus(`${kind}_asker`, async () => '{}');
      const toHolder = (from: ReaderBus) =>
        from.request(
          { accountId: ACCT, readerId: 'tmr_held', toNode: null, kind: 'deliver', payload: '{}' },
          { pickupMs: 1_000, answerMs: 1_000 },
        );
      assert.deepEqual(await toHolder(sender), { kind: 'unheld' }, 'no lease yet');
      const epoch = await holder.own(ACCT, 'tmr_held');
      assert.deepEqual(await toHolder(holder), { kind: 'unheld' }, 'the holder itself is not another node');
      assert.deepEqual(await toHolder(sender), { kind: 'answered', result: JSON.stringify({ to: holder.nodeId }) });
      await holder.release(ACCT, 'tmr_held', epoch!);
      assert.deepEqual(await toHolder(sender), { kind: 'unheld' }, 'a released lease');
    });

    test('the answer comes with its wake-up: the sender does not read the row back', async () => {
      const owner = await bus(`${kind}_quick`, async () => '{"delivery":{"kind":"ack"}}');
      let reads = 0;
      // No poll within the test: only the wake-up can end the sender's wait before its 30 s deadline.
      const sender = await bus(
        `${kind}_hinted`,
        async () => '{}',
        { pollMs: 600_000 },
        (store) =>
          Object.assign(Object.create(store) as ReaderBusStore, {
            result: (id: string) => {
              reads += 1;
              return store.result(id);
            },
          }),
      );
      assert.deepEqual(await request(sender, owner.nodeId, { pickupMs: 30_000, answerMs: 30_000 }), {
        kind: 'answered',
        result: '{"delivery":{"kind":"ack"}}',
      });
      assert.equal(reads, 0);
    });

    test('a wake-up that comes while the sender reads the row (an answer too big to carry) is not lost', async () => {
      // The answer is too big for the wake-up, so the sender must read the row. Its read sees the row
      // still taken, and the answer's wake-up is delivered before that read returns: the sender must
      // read again at once, not sleep until its next poll (10 minutes here; 500 ms by default).
      const big = JSON.stringify({ pad: 'x'.repeat(8_000) });
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let taken: () => void = () => undefined;
      const tookIt = new Promise<void>((resolve) => {
        taken = resolve;
      });
      const owner = await bus(`${kind}_slow_answer`, async () => {
        taken();
        await gate;
        return big;
      });
      let heardDone: () => void = () => undefined;
      const doneHeard = new Promise<void>((resolve) => {
        heardDone = resolve;
      });
      let inject: (target: string, topic: string) => void = () => undefined;
      let reads = 0;
      let inner: ReaderBusStore | null = null;
      const sender = await bus(
        `${kind}_racing`,
        async () => '{}',
        { pollMs: 600_000 },
        (store) => {
          inner = store;
          return Object.assign(Object.create(store) as ReaderBusStore, {
            subscribe: (listener: (target: string, topic: string) => void) => {
              inject = listener;
              return store.subscribe((target, topic) => {
                listener(target, topic);
                if (topic === 'done' && target.endsWith('_racing')) heardDone();
              });
            },
            result: async (id: string) => {
              reads += 1;
              const row = await store.result(id);
              if (reads === 1) {
                assert.equal(row?.state, 'taken');
                release(); // the owner answers now, while this read's (stale) row is on its way back
                await doneHeard;
              }
              return row;
            },
          });
        },
      );
      let outcome: unknown = null;
      const pending = request(sender, owner.nodeId, { pickupMs: 600_000, answerMs: 600_000 }).then((answer) => {
        outcome = answer;
      });
      await tookIt;
      inject('*', 'listening'); // what a reconnected listener does: the sender reads its row now
      await doneHeard;
      // From here the sender needs one more read. Bounded: each attempt is one round trip of the same store.
      for (let attempt = 0; attempt < 50 && outcome === null; attempt += 1) {
        await inner!.result('rbm_none');
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      assert.ok(outcome !== null && (outcome as { result?: string }).result === big, 'answered with the big result');
      assert.equal(reads, 2);
      await pending;
    });

    test("a registered code's `paired` hint reaches its pairing node's topic listeners, not another node's", async () => {
      const pairingNode = await bus(`${kind}_pairing`, async () => '{}');
      const other = await bus(`${kind}_other`, async () => '{}');
      const heard: Array<{ node: string; topic: string }> = [];
      let heardWaiter: (() => void) | null = null;
      for (const listening of [pairingNode, other]) {
        listening.onTopic((topic) => {
          if (topic !== 'paired') return;
          heard.push({ node: listening.nodeId, topic });
          heardWaiter?.();
        });
      }
      const store = stores.b.readerBus;
      await store.addPairing({
        code: `${kind}-wake-code`,
        nodeId: pairingNode.nodeId,
        device: '{}',
        secretSha256: 'sha',
        expiresAtMs: Date.now() + 60_000,
        heldUntilMs: Date.now() + 60_000,
      });
      assert.notEqual(await store.claimPairing(`${kind}-wake-code`, ACCT, 'tmr_paired', Date.now()), null);
      assert.equal(await store.completePairing(`${kind}-wake-code`), pairingNode.nodeId);
      for (let attempt = 0; attempt < 100 && heard.length === 0; attempt += 1) {
        await new Promise<void>((resolve) => {
          heardWaiter = resolve;
          setTimeout(resolve, 50);
        });
      }
      assert.deepEqual(heard, [{ node: pairingNode.nodeId, topic: 'paired' }]);
    });

    test('with every wake-up lost, polling carries the request and its answer', async () => {
      const owner = await bus(`${kind}_deaf_owner`, async () => '"polled"', { wakeUps: false });
      const sender = await bus(`${kind}_deaf_sender`, async () => '{}', { wakeUps: false });
      assert.deepEqual(await request(sender, owner.nodeId), { kind: 'answered', result: '"polled"' });
    });

    test('no node takes the row in time: withdrawn, unclaimed (nothing delivered)', async () => {
      const sender = await bus(`${kind}_lonely`, async () => '{}');
      assert.deepEqual(await request(sender, `${kind}_gone`, { pickupMs: 200, answerMs: 1_000 }), {
        kind: 'unclaimed',
      });
    });

    test('taken but never answered in time: unanswered (it may have reached the device)', async () => {
      let release: () => void = () => undefined;
      const hung = new Promise<void>((resolve) => {
        release = resolve;
      });
      const owner = await bus(`${kind}_hung`, async () => {
        await hung;
        return '"late"';
      });
      const sender = await bus(`${kind}_impatient`, async () => '{}');
      try {
        assert.deepEqual(await request(sender, owner.nodeId, { pickupMs: 1_000, answerMs: 200 }), {
          kind: 'unanswered',
        });
      } finally {
        release();
      }
    });

    test('a takeover by another node: the old owner learns it at its next renewal', async () => {
      const first = await bus(`${kind}_first`, async () => '{}');
      const second = await bus(`${kind}_second`, async () => '{}');
      const firstEpoch = await first.own(ACCT, 'tmr_moved');
      assert.equal(await second.own(ACCT, 'tmr_moved'), firstEpoch! + 1);
      for (let attempt = 0; attempt < 100 && !lost.some((l) => l.readerId === 'tmr_moved'); attempt += 1) {
        await new Promise<void>((resolve) => {
          lostWaiter = resolve;
          setTimeout(resolve, 100);
        });
      }
      assert.deepEqual(
        lost.filter((l) => l.readerId === 'tmr_moved'),
        [{ node: first.nodeId, readerId: 'tmr_moved' }],
      );
      assert.equal(await first.ownerOf(ACCT, 'tmr_moved'), second.nodeId);
      // The old owner's release changes nothing: the lease is the new owner's.
      await first.release(ACCT, 'tmr_moved', firstEpoch!);
      assert.equal(await first.ownerOf(ACCT, 'tmr_moved'), second.nodeId);
    });
  });
}
