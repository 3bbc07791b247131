/** Presence writes: at most once per interval while a device signals, at once after a silence, never backwards. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Reader } from '@opentill/core';
import { ManualClock, SequentialIds } from '../adapters.js';
import { Engine } from '../engine.js';
import type { CommitBatch, Store, StoredRecord } from '../store.js';
import { isPresenceWriteDue, presenceWriteIntervalMs, ReaderPresence } from './presence.js';

describe('isPresenceWriteDue', () => {
  it('is due when never written, or once the interval has passed', () => {
    assert.equal(isPresenceWriteDue(null, 5_000), true);
    assert.equal(isPresenceWriteDue(5_000, 5_000 + presenceWriteIntervalMs - 1), false);
    assert.equal(isPresenceWriteDue(5_000, 5_000 + presenceWriteIntervalMs), true);
    assert.equal(isPresenceWriteDue(5_000, 5_010, 10), true, 'a shorter interval');
    assert.equal(presenceWriteIntervalMs, 60_000);
  });
});

describe('ReaderPresence', () => {
  function setup(lastSeenAt: number | null, extra: Record<string, unknown> = {}) {
    let record: StoredRecord<Reader> = {
      object: {
        id: 'tmr_1',
        object: 'terminal.reader',
        last_seen_at: lastSeenAt,
        status: 'offline',
        _internal: {},
        ...extra,
      } as unknown as Reader,
      version: 1,
    };
    const commits: CommitBatch[] = [];
    const store = {
      async get() {
        return record;
      },
      async getAccount(id: string) {
        return { id, created: 0, clockOffsetMs: 500, settings: {} };
      },
      async commit(request: CommitBatch) {
        commits.push(request);
        record = { object: request.puts[0]!.object as Reader, version: record.version + 1 };
        return { ok: true };
      },
    };
    const clock = new ManualClock(1_000_000);
    const engine = new Engine({
      store: store as unknown as Store,
      processor: {} as never,
      clock,
      ids: new SequentialIds(),
    });
    return { presence: new ReaderPresence(engine), clock, commits, current: () => record.object };
  }

  it('writes the newest signal and status online, at the account clock, with no events', async () => {
    const { presence, commits, current } = setup(900_000);
    await presence.write('acct_a', 'tmr_1', 950_000, false);
    assert.equal(commits.length, 1);
    assert.equal(commits[0]!.nowMs, 1_000_500);
    assert.deepEqual(commits[0]!.events, []);
    assert.equal(current().last_seen_at, 950_000);
    assert.equal(current().status, 'online');
  });

  it('skips a signal the store already has (unless forced) and never moves last_seen_at back', async () => {
    const { presence, commits, current } = setup(960_000);
    await presence.write('acct_a', 'tmr_1', 950_000, false);
    assert.equal(commits.length, 0);
    await presence.write('acct_a', 'tmr_1', 950_000, true);
    assert.equal(commits.length, 1);
    assert.equal(current().last_seen_at, 960_000);
  });

  it('skips a signal exactly as recent as the stored one; writes one a millisecond newer', async () => {
    const { presence, commits, current } = setup(960_000);
    await presence.write('acct_a', 'tmr_1', 960_000, false);
    assert.equal(commits.length, 0);
    await presence.write('acct_a', 'tmr_1', 960_001, false);
    assert.equal(commits.length, 1);
    assert.equal(current().last_seen_at, 960_001);
  });

  it('never writes a deleted reader, even forced; deleted: false is not deleted', async () => {
    const deleted = setup(900_000, { deleted: true });
    await deleted.presence.write('acct_a', 'tmr_1', 950_000, true);
    assert.equal(deleted.commits.length, 0);
    const kept = setup(900_000, { deleted: false });
    await kept.presence.write('acct_a', 'tmr_1', 950_000, false);
    assert.equal(kept.commits.length, 1);
  });

  it('is due at once after a silence, then once per interval after the last write', async () => {
    const { presence, clock } = setup(null);
    assert.equal(presence.writeDue('tmr_1', false), true, 'never written from here');
    await presence.write('acct_a', 'tmr_1', 1_000_000, true);
    assert.equal(presence.writeDue('tmr_1', false), false);
    assert.equal(presence.writeDue('tmr_1', true), true, 'after a silence');
    clock.advance(presenceWriteIntervalMs);
    assert.equal(presence.writeDue('tmr_1', false), true);
  });
});
