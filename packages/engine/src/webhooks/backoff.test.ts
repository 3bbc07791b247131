import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAttemptMs, parseRetrySchedule, retryDelayMs, retrySchedules, type RetrySchedule } from './backoff.js';

const minute = 60_000;
const hour = 60 * minute;

/** Every attempt time of a delivery that always fails, with a fixed random. */
function attemptTimes(schedule: RetrySchedule = retrySchedules.standard, random = () => 0.5): number[] {
  const times = [0];
  for (let made = 1; ; made += 1) {
    const next = nextAttemptMs(schedule, made, 0, times[times.length - 1]!, random);
    if (next === null) return times;
    times.push(next);
  }
}

describe('retry backoff', () => {
  it('grows exponentially and is capped', () => {
    const s = retrySchedules.standard;
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(s, n)),
      [minute, 2 * minute, 4 * minute, 8 * minute],
    );
    assert.equal(retryDelayMs(s, 30), 12 * hour);
    assert.equal(retryDelayMs(s, 10_000), 12 * hour, 'huge attempt counts do not overflow');
  });

  it('jitter only shortens, into [delay/2, delay], from the injected random source', () => {
    const s = retrySchedules.standard;
    assert.equal(
      nextAttemptMs(s, 3, 0, 1000, () => 0),
      1000 + 2 * minute,
    );
    assert.equal(
      nextAttemptMs(s, 3, 0, 1000, () => 0.999999),
      1000 + Math.round(2 * minute + 2 * minute * 0.999999),
    );
    for (let i = 0; i < 200; i += 1) {
      const at = nextAttemptMs(s, 5, 0, 0, Math.random)!;
      assert.ok(at >= 8 * minute && at <= 16 * minute, String(at));
    }
  });

  it('standard: retries for up to 3 days, then gives up', () => {
    const times = attemptTimes();
    assert.ok(times[times.length - 1]! <= 72 * hour);
    assert.ok(times[times.length - 1]! > 60 * hour, 'uses most of the window');
    assert.ok(times.length >= 10 && times.length <= 20, `${times.length} attempts`);
    assert.equal(
      nextAttemptMs(retrySchedules.standard, 3, 0, 72 * hour, () => 0),
      null,
      'nothing after the window',
    );
  });

  it('short: three retries over a few hours (Stripe sandbox)', () => {
    const times = attemptTimes(retrySchedules.short, () => 1);
    assert.deepEqual(times, [0, 5 * minute, 35 * minute, 3 * hour + 35 * minute]);
  });

  it('parses presets and custom schedules; refuses nonsense', () => {
    assert.deepEqual(parseRetrySchedule('short'), retrySchedules.short);
    assert.deepEqual(parseRetrySchedule('base=1s,factor=3,cap=10s,window=2m'), {
      baseMs: 1000,
      factor: 3,
      capMs: 10_000,
      windowMs: 120_000,
    });
    assert.deepEqual(parseRetrySchedule('window=1d'), { ...retrySchedules.standard, windowMs: 24 * hour });
    for (const bad of ['fast', 'base=1x', 'factor=0.5', 'base=10s,cap=1s', 'speed=1s', 'base']) {
      assert.throws(() => parseRetrySchedule(bad), Error, bad);
    }
  });
});

describe('retry schedule boundaries and messages', () => {
  it('a retry exactly at the end of the window is still scheduled, one millisecond later is not', () => {
    const s: RetrySchedule = { baseMs: 1000, factor: 1, capMs: 1000, windowMs: 10_000 };
    assert.equal(
      nextAttemptMs(s, 1, 0, 9000, () => 1),
      10_000,
    );
    assert.equal(
      nextAttemptMs(s, 1, 0, 9001, () => 1),
      null,
    );
  });

  it('durations: whole and decimal numbers, spaces around, nothing before or after', () => {
    assert.equal(parseRetrySchedule('base=1.5s,cap=1.25m').baseMs, 1500);
    assert.equal(parseRetrySchedule('base=1.5s,cap=1.25m').capMs, 75_000);
    assert.equal(parseRetrySchedule(' base = 500ms , cap = 2h ').baseMs, 500);
    assert.equal(parseRetrySchedule('base=500ms,cap=2h').capMs, 2 * hour);
    for (const bad of ['base=x1s', 'base=1sx', 'base=1.s', 'base=1.xs', 'base=-1s']) {
      assert.throws(
        () => parseRetrySchedule(bad),
        { message: `invalid duration '${bad.slice(5)}' (e.g. 500ms, 10s, 5m, 2h, 3d)` },
        bad,
      );
    }
  });

  it('a factor of exactly 1 is a fixed delay; below 1, or not a number, is refused with its value', () => {
    assert.equal(parseRetrySchedule('factor=1').factor, 1);
    assert.throws(() => parseRetrySchedule('factor=0.99'), { message: "invalid factor '0.99' (≥ 1)" });
    assert.throws(() => parseRetrySchedule('factor=abc'), { message: "invalid factor 'abc' (≥ 1)" });
  });

  it('base must be above zero and at most the cap (equal is fine); each refusal says why', () => {
    assert.deepEqual(parseRetrySchedule('base=1s,cap=1s'), { ...retrySchedules.standard, baseMs: 1000, capMs: 1000 });
    assert.throws(() => parseRetrySchedule('base=0s'), { message: 'retry schedule: need 0 < base ≤ cap' });
    assert.throws(() => parseRetrySchedule('base=2s,cap=1s'), { message: 'retry schedule: need 0 < base ≤ cap' });
    assert.throws(() => parseRetrySchedule('speed=1s'), {
      message: "unknown retry schedule key 'speed' (base, factor, cap, window)",
    });
    assert.throws(() => parseRetrySchedule('base'), { message: "invalid retry schedule 'base'" });
    assert.throws(() => parseRetrySchedule('=1s'), { message: "invalid retry schedule '=1s'" });
  });
});
