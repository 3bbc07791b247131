/**
 * The reader bus part of the store contract (engine/src/terminal/reader-bus-store.ts): leases taken
 * by exactly one of two racing nodes and fenced by epoch, command rows delivered and answered at
 * most once, wake-ups after the write. Run by `runStoreContract` for every adapter.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { readerBusDoneResultMax, type ReaderMessage, type ReaderPairing, type Store } from '@opentill/engine';

type Test = (title: string, body: (store: Store, t: TestContext) => Promise<void>) => void;

const ACCT = 'acct_bus';
const T0 = 1_700_000_000_000;

function message(id: string, toNode: string, extra: Partial<ReaderMessage> = {}): ReaderMessage {
  return {
    id,
    accountId: ACCT,
    readerId: 'tmr_1',
    fromNode: 'node_b',
    toNode,
    kind: 'deliver',
    payload: '{"n":1}',
    createdMs: T0,
    ...extra,
  };
}

function pairing(code: string, extra: Partial<ReaderPairing> = {}): ReaderPairing {
  return {
    code,
    nodeId: 'node_a',
    device: '{"serial":"WSC1"}',
    secretSha256: `sha_${code}`,
    expiresAtMs: T0 + 600_000,
    heldUntilMs: T0 + 15_000,
    ...extra,
  };
}

export function readerBusContract(test: Test): void {
  test('a lease: first owner, takeover on the epoch seen, fenced renewals and releases', async (store) => {
    const bus = store.readerBus;
    assert.equal(await bus.owner(ACCT, 'tmr_1'), null);
    assert.deepEqual(await bus.own(ACCT, 'tmr_1', 'node_a', null, T0 + 30_000), {
      nodeId: 'node_a',
      epoch: 1,
      expiresAtMs: T0 + 30_000,
    });
    // A second "first owner" loses: the row exists.
    assert.equal(await bus.own(ACCT, 'tmr_1', 'node_b', null, T0 + 30_000), null);
    assert.equal(await bus.renew(ACCT, 'tmr_1', 'node_a', 1, T0 + 60_000), true);
    assert.deepEqual(await bus.owner(ACCT, 'tmr_1'), { nodeId: 'node_a', epoch: 1, expiresAtMs: T0 + 60_000 });
    // The device reconnects to node B: B takes over on the epoch it saw.
    assert.deepEqual(await bus.own(ACCT, 'tmr_1', 'node_b', 1, T0 + 40_000), {
      nodeId: 'node_b',
      epoch: 2,
      expiresAtMs: T0 + 40_000,
    });
    // Node A's half-open connection renews and releases nothing: it learns it lost the reader.
    assert.equal(await bus.renew(ACCT, 'tmr_1', 'node_a', 1, T0 + 90_000), false);
    await bus.release(ACCT, 'tmr_1', 'node_a', 1);
    assert.deepEqual(await bus.owner(ACCT, 'tmr_1'), { nodeId: 'node_b', epoch: 2, expiresAtMs: T0 + 40_000 });
    // A stale epoch cannot take it either.
    assert.equal(await bus.own(ACCT, 'tmr_1', 'node_c', 1, T0 + 40_000), null);
    await bus.release(ACCT, 'tmr_1', 'node_b', 2);
    assert.deepEqual(await bus.owner(ACCT, 'tmr_1'), { nodeId: 'node_b', epoch: 2, expiresAtMs: 0 });
    // The screen is kept by the holder only.
    assert.equal(await bus.screen(ACCT, 'tmr_1'), null);
    assert.equal(await bus.setScreen(ACCT, 'tmr_1', 'node_a', 1, '{"screen":"splash"}'), false);
    assert.equal(await bus.setScreen(ACCT, 'tmr_1', 'node_b', 2, '{"screen":"collect"}'), true);
    assert.equal(await bus.screen(ACCT, 'tmr_1'), '{"screen":"collect"}');
    // Other readers and accounts are separate leases.
    assert.equal(await bus.owner('acct_other', 'tmr_1'), null);
    assert.equal(await bus.owner(ACCT, 'tmr_2'), null);
  });

  test('two nodes racing for one reader: exactly one wins, on every round', async (store) => {
    const bus = store.readerBus;
    let seen: number | null = null;
    for (let round = 0; round < 10; round += 1) {
      const results = await Promise.all(
        ['node_a', 'node_b', 'node_c'].map((node) => bus.own(ACCT, 'tmr_race', node, seen, T0 + round)),
      );
      const winners = results.filter((owner) => owner !== null);
      assert.equal(winners.length, 1, `round ${round}`);
      assert.deepEqual(await bus.owner(ACCT, 'tmr_race'), winners[0]);
      seen = winners[0]!.epoch;
    }
    assert.equal(seen, 10);
  });

  test('a command row: taken once by its node, answered once, withdrawn only while pending', async (store) => {
    const bus = store.readerBus;
    await bus.send(message('rbm_1', 'node_a'));
    await bus.send(message('rbm_2', 'node_a', { createdMs: T0 + 1 }));
    await bus.send(message('rbm_3', 'node_c'));
    assert.deepEqual(await bus.result('rbm_1'), { state: 'pending', result: null });
    assert.deepEqual(await bus.take('node_b', 10), []);
    const [first, second] = await Promise.all([bus.take('node_a', 10), bus.take('node_a', 10)]);
    const taken = [...first!, ...second!];
    assert.deepEqual(taken.map((m) => m.id).sort(), ['rbm_1', 'rbm_2']);
    assert.deepEqual(
      taken.find((m) => m.id === 'rbm_1'),
      message('rbm_1', 'node_a'),
    );
    assert.deepEqual(await bus.take('node_a', 10), []);
    // Taken: the sender can no longer withdraw it; the owner answers once.
    assert.equal(await bus.withdraw('rbm_1', '{"gave_up":true}'), false);
    assert.equal(await bus.finish('rbm_1', '{"ack":true}'), true);
    assert.equal(await bus.finish('rbm_1', '{"ack":false}'), false);
    assert.deepEqual(await bus.result('rbm_1'), { state: 'done', result: '{"ack":true}' });
    // Pending: withdrawn by the sender, then no node can take or answer it.
    assert.equal(await bus.withdraw('rbm_3', '{"gave_up":true}'), true);
    assert.deepEqual(await bus.take('node_c', 10), []);
    assert.equal(await bus.finish('rbm_3', '{"ack":true}'), false);
    assert.deepEqual(await bus.result('rbm_3'), { state: 'done', result: '{"gave_up":true}' });
    assert.equal(await bus.result('rbm_missing'), null);
    // take honours its limit, oldest first.
    await bus.send(message('rbm_4', 'node_d', { createdMs: T0 + 5 }));
    await bus.send(message('rbm_5', 'node_d', { createdMs: T0 + 4 }));
    assert.deepEqual(
      (await bus.take('node_d', 1)).map((m) => m.id),
      ['rbm_5'],
    );
    assert.equal(await bus.prune(T0 + 1), 2);
    assert.equal(await bus.result('rbm_1'), null);
    assert.deepEqual(await bus.result('rbm_2'), { state: 'taken', result: null });
  });

  test('wake-ups: the target hears a sent row, the sender its answer, after the write', async (store) => {
    const bus = store.readerBus;
    const heard: Array<{ target: string; topic: string; state: string | undefined }> = [];
    let wakeUp: () => void = () => undefined;
    const stop = await bus.subscribe((target, topic) => {
      if (topic === 'listening') return;
      void bus.result('rbm_w').then((row) => {
        heard.push({ target, topic, state: row?.state });
        wakeUp();
      });
    });
    try {
      const until = async (count: number) => {
        for (let attempt = 0; attempt < 200 && heard.length < count; attempt += 1) {
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            setTimeout(resolve, 50);
          });
        }
      };
      await bus.send(message('rbm_w', 'node_a'));
      await until(1);
      assert.deepEqual(heard, [{ target: 'node_a', topic: 'message', state: 'pending' }]);
      assert.equal((await bus.take('node_a', 1)).length, 1);
      assert.equal(await bus.finish('rbm_w', '{"ack":true}'), true);
      await until(2);
      // The answer's wake-up carries it (readerBusDoneTopic), sent once the row holds it.
      assert.deepEqual(heard[1], { target: 'node_b', topic: 'done:rbm_w:{"ack":true}', state: 'done' });
      await bus.notify('*', 'reader:acct_bus:tmr_1');
      await until(3);
      assert.deepEqual(
        heard.slice(2).map((h) => [h.target, h.topic]),
        [['*', 'reader:acct_bus:tmr_1']],
      );
      // An answer too big for a NOTIFY payload, and a withdrawal: a plain `done` (the sender reads the row).
      await bus.send(message('rbm_big', 'node_a'));
      await bus.send(message('rbm_gone', 'node_a', { createdMs: T0 + 1 }));
      await until(5);
      assert.equal((await bus.take('node_a', 1)).length, 1);
      assert.equal(await bus.finish('rbm_big', JSON.stringify({ pad: 'é'.repeat(readerBusDoneResultMax) })), true);
      await until(6);
      assert.equal(await bus.withdraw('rbm_gone', '{"withdrawn":true}'), true);
      await until(7);
      assert.deepEqual(
        heard.slice(5).map((h) => [h.target, h.topic]),
        [
          ['node_b', 'done'],
          ['node_b', 'done'],
        ],
      );
    } finally {
      await stop();
    }
  });

  test("a row for the reader's holder: written for a live lease of another node, else nothing", async (store) => {
    const bus = store.readerBus;
    const heard: string[] = [];
    let wakeUp: () => void = () => undefined;
    const stop = await bus.subscribe((target, topic) => {
      if (topic === 'listening') return;
      heard.push(`${target}|${topic}`);
      wakeUp();
    });
    try {
      const row = (id: string) => {
        const { toNode: _toNode, ...rest } = message(id, 'unused');
        return rest;
      };
      assert.equal(await bus.sendToHolder(row('rbm_h0'), T0), null, 'no lease');
      assert.equal(await bus.result('rbm_h0'), null);
      await bus.own(ACCT, 'tmr_1', 'node_a', null, T0 + 15_000);
      assert.equal(await bus.sendToHolder(row('rbm_h1'), T0), 'node_a');
      assert.deepEqual(await bus.result('rbm_h1'), { state: 'pending', result: null });
      assert.deepEqual(
        (await bus.take('node_a', 10)).map((m) => [m.id, m.toNode, m.fromNode]),
        [['rbm_h1', 'node_a', 'node_b']],
      );
      for (let attempt = 0; attempt < 200 && heard.length < 1; attempt += 1) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          setTimeout(resolve, 50);
        });
      }
      assert.deepEqual(heard, ['node_a|message']);
      assert.equal(await bus.sendToHolder(row('rbm_h2'), T0 + 15_000), null, 'the lease expired');
      assert.equal(
        await bus.sendToHolder({ ...row('rbm_h3'), fromNode: 'node_a' }, T0),
        null,
        'the holder is the sender',
      );
      assert.equal(await bus.result('rbm_h2'), null);
      assert.equal(await bus.result('rbm_h3'), null);
    } finally {
      await stop();
    }
  });

  test('a registration code: claimed once by one account, registered, handed out by its node, dropped', async (store) => {
    const bus = store.readerBus;
    assert.equal(await bus.addPairing(pairing('able-acid-aged')), true);
    // A code in use cannot be stored twice (the pairing node draws another).
    assert.equal(await bus.addPairing(pairing('able-acid-aged', { nodeId: 'node_b' })), false);
    assert.equal(await bus.addPairing(pairing('bold-cart-dune', { nodeId: 'node_b' })), true);
    // Nothing registered yet; unknown codes claim nothing.
    assert.deepEqual(await bus.registeredPairings('node_a'), []);
    assert.equal(await bus.claimPairing('zany-zone-zoom', ACCT, 'tmr_p1', T0), null);
    assert.equal(await bus.completePairing('able-acid-aged'), null);
    // Two registrations (two nodes, two accounts) race for one code: exactly one claims it.
    const claims = await Promise.all([
      bus.claimPairing('able-acid-aged', ACCT, 'tmr_p1', T0),
      bus.claimPairing('able-acid-aged', 'acct_other', 'tmr_p2', T0),
    ]);
    assert.deepEqual(
      claims.filter((claim) => claim !== null),
      [{ nodeId: 'node_a', device: '{"serial":"WSC1"}', secretSha256: 'sha_able-acid-aged' }],
    );
    const winner =
      claims[0] !== null ? { accountId: ACCT, readerId: 'tmr_p1' } : { accountId: 'acct_other', readerId: 'tmr_p2' };
    // Used: no account can claim it again.
    assert.equal(await bus.claimPairing('able-acid-aged', ACCT, 'tmr_p3', T0), null);
    assert.equal(await bus.claimPairing('able-acid-aged', 'acct_other', 'tmr_p3', T0), null);
    // Claimed is not registered: the pairing node hands out nothing until the reader is committed.
    assert.deepEqual(await bus.registeredPairings('node_a'), []);
    assert.equal(await bus.completePairing('able-acid-aged'), 'node_a');
    assert.equal(await bus.completePairing('able-acid-aged'), null);
    assert.deepEqual(await bus.registeredPairings('node_a'), [{ code: 'able-acid-aged', ...winner }]);
    assert.deepEqual(await bus.registeredPairings('node_b'), []);
    // Dropped by its own node only.
    await bus.dropPairing('able-acid-aged', 'node_b');
    assert.deepEqual(await bus.registeredPairings('node_a'), [{ code: 'able-acid-aged', ...winner }]);
    await bus.dropPairing('able-acid-aged', 'node_a');
    assert.deepEqual(await bus.registeredPairings('node_a'), []);
    // A dropped code (the socket closed) claims nothing; a fresh one with the same words can be stored.
    assert.equal(await bus.claimPairing('able-acid-aged', ACCT, 'tmr_p4', T0), null);
    assert.equal(await bus.addPairing(pairing('able-acid-aged')), true);
  });

  test('a registration code: valid until its expiry and while its node holds it, pruned after', async (store) => {
    const bus = store.readerBus;
    await bus.addPairing(pairing('code-one-ok', { expiresAtMs: T0 + 1_000, heldUntilMs: T0 + 5_000 }));
    await bus.addPairing(pairing('code-two-ok', { expiresAtMs: T0 + 60_000, heldUntilMs: T0 + 5_000 }));
    await bus.addPairing(
      pairing('code-three-ok', { nodeId: 'node_b', expiresAtMs: T0 + 60_000, heldUntilMs: T0 + 5_000 }),
    );
    // Expired (the boundary itself is still valid, as on one node).
    assert.equal(await bus.claimPairing('code-one-ok', ACCT, 'tmr_e1', T0 + 1_001), null);
    // Its node stopped holding it (the node died): not claimable, although not expired.
    assert.equal(await bus.claimPairing('code-two-ok', ACCT, 'tmr_e2', T0 + 5_001), null);
    // Held by node_a, which renews only its own waiting codes.
    await bus.holdPairings('node_a', T0 + 20_000);
    assert.deepEqual(await bus.claimPairing('code-two-ok', ACCT, 'tmr_e2', T0 + 5_001), {
      nodeId: 'node_a',
      device: '{"serial":"WSC1"}',
      secretSha256: 'sha_code-two-ok',
    });
    assert.equal(await bus.claimPairing('code-three-ok', ACCT, 'tmr_e3', T0 + 5_001), null);
    // At its expiry exactly, it is still valid.
    assert.deepEqual(await bus.claimPairing('code-one-ok', ACCT, 'tmr_e1', T0 + 1_000), {
      nodeId: 'node_a',
      device: '{"serial":"WSC1"}',
      secretSha256: 'sha_code-one-ok',
    });
    // Pruned once expired: code-one-ok only.
    assert.equal(await bus.prunePairings(T0 + 1_001), 1);
    assert.equal(await bus.completePairing('code-one-ok'), null);
    assert.equal(await bus.completePairing('code-two-ok'), 'node_a');
    assert.deepEqual(await bus.registeredPairings('node_a'), [
      { code: 'code-two-ok', accountId: ACCT, readerId: 'tmr_e2' },
    ]);
  });

  test('a registered code wakes its pairing node, after the write', async (store) => {
    const bus = store.readerBus;
    const heard: Array<{ target: string; topic: string; registered: number }> = [];
    let wakeUp: () => void = () => undefined;
    const stop = await bus.subscribe((target, topic) => {
      if (topic === 'listening') return;
      void bus.registeredPairings(target).then((rows) => {
        heard.push({ target, topic, registered: rows.length });
        wakeUp();
      });
    });
    try {
      await bus.addPairing(pairing('wake-me-up', { nodeId: 'node_p' }));
      await bus.claimPairing('wake-me-up', ACCT, 'tmr_w', T0);
      assert.equal(await bus.completePairing('wake-me-up'), 'node_p');
      for (let attempt = 0; attempt < 200 && heard.length < 1; attempt += 1) {
        await new Promise<void>((resolve) => {
          wakeUp = resolve;
          setTimeout(resolve, 50);
        });
      }
      assert.deepEqual(heard, [{ target: 'node_p', topic: 'paired', registered: 1 }]);
    } finally {
      await stop();
    }
  });
}
