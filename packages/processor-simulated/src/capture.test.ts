import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationRequest, AuthorizationResult } from '@opentill/engine';
import { NOW_MS, authRequest, processor, read } from './fixtures.js';

type Approved = Extract<AuthorizationResult, { approved: true }>;

async function authorize(
  number: string,
  overrides: Partial<AuthorizationRequest>,
  type: 'card_present' | 'interac_present' = 'card_present',
): Promise<Approved> {
  const result = await processor.authorize(authRequest(read(number, type), overrides));
  assert.equal(result.approved, true);
  return result as Approved;
}

const NOW_S = Math.floor(NOW_MS / 1000);
const HOUR = 3600;
const DAY = 24 * HOUR;

describe('capture_before by brand and currency', () => {
  const table: [string, string, string, number][] = [
    // label, number, currency, window seconds
    ['visa usd', '4242424242424242', 'usd', 4 * DAY + 18 * HOUR],
    ['visa debit eur', '4000056655665556', 'eur', 4 * DAY + 18 * HOUR],
    ['visa-badged interac card as card_present', '4506445006931933', 'cad', 4 * DAY + 18 * HOUR],
    ['mastercard usd', '5555555555554444', 'usd', 2 * DAY],
    ['amex usd', '378282246310005', 'usd', 2 * DAY],
    ['discover usd', '6011111111111117', 'usd', 2 * DAY],
    ['diners usd', '3056930009020004', 'usd', 2 * DAY],
    ['jcb usd', '3566002020360505', 'usd', 2 * DAY],
    ['unionpay usd', '6200000000000005', 'usd', 2 * DAY],
    ['eftpos aud', '6280000360000978', 'aud', 2 * DAY],
    ['cartes bancaires/visa routed on CB', '4000002500001001', 'eur', 2 * DAY],
    ['girocard eur', '4711009900000316877', 'eur', 2 * DAY],
    ['visa jpy', '4242424242424242', 'jpy', 30 * DAY],
    ['mastercard jpy', '5555555555554444', 'jpy', 30 * DAY],
    ['jcb JPY (case-insensitive)', '3566002020360505', 'JPY', 30 * DAY],
  ];
  for (const [label, number, currency, window] of table) {
    it(`${label} → ${window / HOUR}h`, async () => {
      const r = await authorize(number, { captureMethod: 'manual', currency });
      assert.equal(r.captureBefore, NOW_S + window);
    });
  }

  it('rounds nowMs down to whole seconds', async () => {
    const r = await authorize('5555555555554444', { captureMethod: 'manual', nowMs: NOW_MS + 999 });
    assert.equal(r.captureBefore, NOW_S + 2 * DAY);
  });

  it('is null for automatic capture', async () => {
    for (const currency of ['usd', 'jpy']) {
      const r = await authorize('4242424242424242', { captureMethod: 'automatic', currency });
      assert.equal(r.captureBefore, null);
    }
  });

  it('extended authorization gives 30 days on the major networks only', async () => {
    const visa = await authorize('4242424242424242', { captureMethod: 'manual', requestExtendedAuthorization: true });
    assert.equal(visa.captureBefore, NOW_S + 30 * DAY);
    const amex = await authorize('378282246310005', { captureMethod: 'manual', requestExtendedAuthorization: true });
    assert.equal(amex.captureBefore, NOW_S + 30 * DAY);
    const jcb = await authorize('3566002020360505', { captureMethod: 'manual', requestExtendedAuthorization: true });
    assert.equal(jcb.captureBefore, NOW_S + 2 * DAY);
    const auto = await authorize('4242424242424242', {
      captureMethod: 'automatic',
      requestExtendedAuthorization: true,
    });
    assert.equal(auto.captureBefore, null);
  });
});

describe('overcapture_supported', () => {
  const table: [string, string, string, 'manual' | 'automatic', boolean][] = [
    ['visa usd manual', '4242424242424242', 'usd', 'manual', true],
    ['mastercard usd manual', '5555555555554444', 'usd', 'manual', true],
    ['amex usd manual', '378282246310005', 'usd', 'manual', true],
    ['discover usd manual', '6011111111111117', 'usd', 'manual', true],
    ['visa USD manual (case-insensitive)', '4242424242424242', 'USD', 'manual', true],
    ['visa usd automatic', '4242424242424242', 'usd', 'automatic', false],
    ['visa eur manual', '4242424242424242', 'eur', 'manual', false],
    ['jcb usd manual', '3566002020360505', 'usd', 'manual', false],
    ['diners usd manual', '3056930009020004', 'usd', 'manual', false],
    ['unionpay usd manual', '6200000000000005', 'usd', 'manual', false],
  ];
  for (const [label, number, currency, captureMethod, expected] of table) {
    it(`${label} → ${expected}`, async () => {
      const r = await authorize(number, { captureMethod, currency });
      assert.equal(r.overcaptureSupported, expected);
    });
  }
});

describe('incremental_authorization_supported', () => {
  const table: [string, string, boolean, 'manual' | 'automatic', boolean][] = [
    ['visa requested manual', '4242424242424242', true, 'manual', true],
    ['mastercard requested manual', '5555555555554444', true, 'manual', true],
    ['amex requested manual', '378282246310005', true, 'manual', true],
    ['discover requested manual', '6011111111111117', true, 'manual', true],
    ['visa not requested', '4242424242424242', false, 'manual', false],
    ['visa requested automatic', '4242424242424242', true, 'automatic', false],
    ['jcb requested manual', '3566002020360505', true, 'manual', false],
    ['eftpos requested manual', '6280000360000978', true, 'manual', false],
  ];
  for (const [label, number, requested, captureMethod, expected] of table) {
    it(`${label} → ${expected}`, async () => {
      const r = await authorize(number, {
        captureMethod,
        requestIncrementalAuthorizationSupport: requested,
        currency: 'eur',
      });
      assert.equal(r.incrementalAuthorizationSupported, expected);
    });
  }

  it('is never offered on interac_present', async () => {
    const r = await authorize(
      '4506445006931933',
      { captureMethod: 'manual', currency: 'cad', requestIncrementalAuthorizationSupport: true },
      'interac_present',
    );
    assert.equal(r.incrementalAuthorizationSupported, false);
    assert.equal(r.overcaptureSupported, false);
  });
});
