/** The deterministic and production adapters of the clock and id ports. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ManualClock,
  SeededIds,
  SequentialIds,
  randomIds,
  seededBytes,
  seededRandom,
  systemClock,
} from './adapters.js';

describe('clocks', () => {
  it('the manual clock moves only by hand', () => {
    const clock = new ManualClock(1000);
    assert.equal(clock.nowMs(), 1000);
    clock.advance(250);
    assert.equal(clock.nowMs(), 1250);
    clock.set(5);
    assert.equal(clock.nowMs(), 5);
  });
  it('the system clock is the wall clock', () => {
    const before = Date.now();
    const now = systemClock.nowMs();
    assert.ok(now >= before && now <= Date.now());
  });
});

describe('ids', () => {
  it('sequential ids and secrets share one counter, zero-padded', () => {
    const ids = new SequentialIds();
    assert.equal(ids.next('pi'), 'pi_000000000000000000000001');
    assert.equal(ids.secret(6), '000002');
    assert.equal(ids.next('ch'), 'ch_000000000000000000000003');
  });

  it('random ids are the prefix and 24 base62 characters, secrets the asked length; thousands never repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i += 1) {
      const id = randomIds.next('pi');
      assert.match(id, /^pi_[0-9A-Za-z]{24}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 5000);
    assert.match(randomIds.secret(48), /^[0-9A-Za-z]{48}$/);
    assert.equal(randomIds.secret(0), '');
  });

  it('random characters are spread over the whole alphabet (rejection sampling keeps them even)', () => {
    const counts = new Map<string, number>();
    const text = randomIds.secret(62 * 400);
    for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
    assert.equal(counts.size, 62);
    // 400 expected each (σ = 20): the bounds only catch a broken alphabet or modulo, never chance.
    for (const [, count] of counts) assert.ok(count > 200 && count < 600, `count ${count}`);
  });

  it('a seeded byte stream is SHA-256 of (seed, stream, block), 32 bytes per block', () => {
    const next = seededBytes('seed', 'ids');
    const bytes = Array.from({ length: 64 }, () => next());
    const block = (index: number) => [...createHash('sha256').update(`seed\u0000ids\u0000${index}`).digest()];
    assert.deepEqual(bytes, [...block(0), ...block(1)]);
    const other = seededBytes('seed', 'other');
    assert.equal(other(), createHash('sha256').update('seed\u0000other\u00000').digest()[0]);
  });

  it('a seeded random number is four stream bytes over 2^32, in [0, 1)', () => {
    const bytes = seededBytes('s', 'jitter');
    const expected = (bytes() * 2 ** 24 + bytes() * 2 ** 16 + bytes() * 2 ** 8 + bytes()) / 2 ** 32;
    const random = seededRandom('s', 'jitter');
    assert.equal(random(), expected);
    for (let i = 0; i < 1000; i += 1) {
      const value = random();
      assert.ok(value >= 0 && value < 1);
    }
  });

  it('seeded ids repeat for the same seed, differ for another, and skip bytes ≥ 248', () => {
    const a = new SeededIds('42');
    const b = new SeededIds('42');
    const ids = [a.next('pi'), a.secret(10), a.next('ch')];
    assert.deepEqual([b.next('pi'), b.secret(10), b.next('ch')], ids);
    assert.match(ids[0]!, /^pi_[0-9A-Za-z]{24}$/);
    assert.match(ids[1]!, /^[0-9A-Za-z]{10}$/);
    assert.notEqual(new SeededIds('43').next('pi'), ids[0]);
    // Seed '10' draws 253, 250 and 248 among its first 24 bytes: the id is the first 24 bytes below 248.
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    const stream = seededBytes('10', 'ids');
    const bytes = Array.from({ length: 64 }, () => stream());
    assert.deepEqual(
      bytes.slice(0, 24).filter((byte) => byte >= 248),
      [253, 250, 248],
    );
    const expected = bytes
      .filter((byte) => byte < 248)
      .slice(0, 24)
      .map((byte) => alphabet[byte % 62])
      .join('');
    assert.equal(new SeededIds('10').next('pi'), `pi_${expected}`);
  });
});
