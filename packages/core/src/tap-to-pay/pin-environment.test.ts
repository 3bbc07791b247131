import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPinEnvironment,
  insecureEnvironmentCauses,
  pinPadLayout,
  type PinEnvironmentFacts,
} from './pin-environment.js';

const clean: PinEnvironmentFacts = {
  developerOptions: false,
  accessibilityServices: false,
  screenRecording: false,
  overlays: false,
  internet: true,
};

void describe('checkPinEnvironment', () => {
  void it('a clean phone may collect a PIN', () => {
    assert.deepEqual(checkPinEnvironment(clean), { ok: true });
    assert.deepEqual(checkPinEnvironment({ internet: true }), { ok: true });
  });

  const rows: [string, Partial<PinEnvironmentFacts>, string, RegExp][] = [
    ['developer options', { developerOptions: true }, 'developer_options', /developer options/i],
    ['accessibility service', { accessibilityServices: true }, 'accessibility_services', /accessibility service/i],
    ['screen recording', { screenRecording: true }, 'screen_recording', /recorded/i],
    ['overlay window', { overlays: true }, 'overlays', /overlay/i],
    ['no internet', { internet: false }, 'no_internet', /internet/i],
    ['screenshot attempt', { screenshotAttempted: true }, 'screenshot_attempt', /screenshot/i],
  ];
  for (const [name, over, cause, text] of rows) {
    void it(`${name} → TAP_TO_PAY_INSECURE_ENVIRONMENT (${cause})`, () => {
      const r = checkPinEnvironment({ ...clean, ...over });
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, 'TAP_TO_PAY_INSECURE_ENVIRONMENT');
      assert.equal(r.cause, cause);
      assert.equal(r.reason, cause);
      assert.deepEqual(r.causes, [cause]);
      assert.match(r.message, /^TAP_TO_PAY_INSECURE_ENVIRONMENT: /);
      assert.match(r.message, text);
    });
  }

  void it('reports every cause, the first in the documented order', () => {
    const r = checkPinEnvironment({
      internet: false,
      overlays: true,
      screenshotAttempted: true,
      developerOptions: true,
    });
    assert.ok(!r.ok);
    assert.equal(r.cause, 'developer_options');
    assert.deepEqual(r.causes, ['developer_options', 'overlays', 'no_internet', 'screenshot_attempt']);
  });

  void it('internet must be positively true', () => {
    const r = checkPinEnvironment({} as PinEnvironmentFacts);
    assert.ok(!r.ok && r.cause === 'no_internet');
  });

  void it('the cause table lists six causes', () => {
    assert.equal(insecureEnvironmentCauses.length, 6);
  });
});

void describe('pinPadLayout', () => {
  void it('is deterministic for a seed', () => {
    assert.deepEqual(pinPadLayout(42), pinPadLayout(42));
    assert.deepEqual(pinPadLayout(42, { scramble: true }), pinPadLayout(42, { scramble: true }));
  });

  void it('keeps the standard digit order unless scrambled', () => {
    const l = pinPadLayout(7);
    assert.deepEqual(l.keys, [1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    assert.deepEqual(l.rows, [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0]]);
  });

  void it('a scrambled pad is a permutation of the ten digits, rows follow keys', () => {
    for (let seed = 0; seed < 50; seed++) {
      const l = pinPadLayout(seed, { scramble: true });
      assert.deepEqual([...l.keys].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(l.rows.flat(), l.keys);
    }
    const orders = new Set(Array.from({ length: 50 }, (_, s) => pinPadLayout(s, { scramble: true }).keys.join('')));
    assert.ok(orders.size > 40, 'seeds give different orders');
  });

  void it('positions lie in [0,1]² with two decimals, vary with the seed and are never exactly centred', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 500; seed++) {
      const { xBias, yBias } = pinPadLayout(seed * 7919).position;
      for (const v of [xBias, yBias]) {
        assert.ok(v >= 0 && v <= 1, `${v} in range`);
        assert.equal(Math.round(v * 100) / 100, v);
      }
      assert.ok(!(xBias === 0.5 && yBias === 0.5));
      seen.add(`${xBias},${yBias}`);
    }
    assert.ok(seen.size > 400);
  });

  void it('normalises the seed to a uint32 and refuses non-numbers', () => {
    assert.equal(pinPadLayout(-1).seed, 4294967295);
    assert.deepEqual(pinPadLayout(3.9), pinPadLayout(3));
    assert.throws(() => pinPadLayout(Number.NaN), RangeError);
    assert.throws(() => pinPadLayout(Infinity), RangeError);
    assert.throws(() => pinPadLayout('1' as unknown as number), RangeError);
  });
});

void describe('checkPinEnvironment and pinPadLayout: exact answers', () => {
  void it('every cause at once: the first as reason, all in order, every message in the text', () => {
    assert.deepEqual(
      checkPinEnvironment({
        developerOptions: true,
        accessibilityServices: true,
        screenRecording: true,
        overlays: true,
        internet: false,
        screenshotAttempted: true,
      }),
      {
        ok: false,
        code: 'TAP_TO_PAY_INSECURE_ENVIRONMENT',
        reason: 'developer_options',
        cause: 'developer_options',
        causes: [
          'developer_options',
          'accessibility_services',
          'screen_recording',
          'overlays',
          'no_internet',
          'screenshot_attempt',
        ],
        message:
          'TAP_TO_PAY_INSECURE_ENVIRONMENT: PIN entry is not possible in an insecure environment. ' +
          'Developer options are enabled. Turn off developer options and retry. ' +
          'An accessibility service is registered or running. Turn off accessibility services and retry. ' +
          'The screen is being recorded. Stop screen recording and retry. ' +
          'Another app is drawing an overlay window on the screen. Close it and retry. ' +
          'There is no active internet connection. Reconnect and retry. ' +
          'A screenshot was attempted during PIN entry. Retry without taking screenshots.',
      },
    );
    assert.equal(Object.isFrozen(insecureEnvironmentCauses), true);
  });

  void it('Mulberry32 layouts for fixed seeds (the same on every host and release)', () => {
    const standard = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
    const rowsOf = (keys: number[]) => [keys.slice(0, 3), keys.slice(3, 6), keys.slice(6, 9), keys.slice(9)];
    const expected: [seed: number, xBias: number, yBias: number, scrambled: number[]][] = [
      [0, 0.27, 0, [0, 1, 5, 9, 6, 7, 8, 4, 2, 3]],
      [1, 0.63, 0, [5, 1, 3, 7, 0, 4, 2, 8, 9, 6]],
      [42, 0.6, 0.45, [3, 1, 6, 5, 0, 8, 4, 2, 7, 9]],
      [4294967295, 0.9, 0.19, [0, 2, 6, 1, 3, 5, 4, 7, 9, 8]],
    ];
    for (const [seed, xBias, yBias, scrambled] of expected) {
      assert.deepEqual(
        pinPadLayout(seed),
        { seed, keys: standard, rows: rowsOf(standard), position: { xBias, yBias } },
        String(seed),
      );
      assert.deepEqual(pinPadLayout(seed, { scramble: true }), {
        seed,
        keys: scrambled,
        rows: rowsOf(scrambled),
        position: { xBias, yBias },
      });
    }
    // Seed 2666 draws the exact centre (0.50, 0.50): the pad moves off it.
    assert.deepEqual(pinPadLayout(2666).position, { xBias: 0.51, yBias: 0.5 });
    assert.deepEqual(pinPadLayout(42.9), pinPadLayout(42), 'fractions are dropped');
    assert.deepEqual(pinPadLayout(-1).seed, 4294967295, 'negative seeds wrap to uint32');
    for (const seed of [Number.NaN, Infinity])
      assert.throws(() => pinPadLayout(seed), { name: 'RangeError', message: 'seed must be a finite number' });
  });
});
