import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPinEnvironment, insecureEnvironmentCauses, pinPadLayout, type PinEnvironmentFacts } from './pin-environment.js';

const clean: PinEnvironmentFacts = {
  developerOptions: false, accessibilityServices: false, screenRecording: false, overlays: false, internet: true,
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
    const r = checkPinEnvironment({ internet: false, overlays: true, screenshotAttempted: true, developerOptions: true });
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
