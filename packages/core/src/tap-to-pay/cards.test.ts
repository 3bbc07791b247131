import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptCard, tapToPayBrandRules, tapToPayWallets, type CardAcceptanceInput } from './cards.js';

type Row = [platform: 'ios' | 'android', country: string, brand: string, wallet: string | null, expected: string];

// expected: the routed network, or the refusal reason.
const matrix: Row[] = [
  ['ios', 'US', 'visa', null, 'visa'],
  ['ios', 'FR', 'mastercard', null, 'mastercard'],
  ['ios', 'GB', 'amex', null, 'amex'],
  ['android', 'DE', 'visa', null, 'visa'],
  ['android', 'AU', 'mastercard', null, 'mastercard'],
  ['android', 'NZ', 'amex', null, 'amex'],
  ['ios', 'US', 'discover', null, 'discover'],
  ['ios', 'CA', 'discover', null, 'brand_not_accepted_in_country'],
  ['ios', 'GB', 'discover', null, 'brand_not_accepted_in_country'],
  ['android', 'US', 'discover', null, 'discover'],
  ['android', 'GB', 'discover', null, 'discover'],
  ['android', 'AU', 'discover', null, 'discover'],
  ['ios', 'CA', 'interac', null, 'interac'],
  ['android', 'CA', 'interac', null, 'interac'],
  ['ios', 'US', 'interac', null, 'brand_not_accepted_in_country'],
  ['android', 'GB', 'interac', null, 'brand_not_accepted_in_country'],
  ['ios', 'AU', 'eftpos_au', null, 'eftpos_au'],
  ['android', 'AU', 'eftpos_au', null, 'eftpos_au'],
  ['ios', 'NZ', 'eftpos_au', null, 'brand_not_accepted_in_country'],
  ['ios', 'US', 'jcb', null, 'brand_not_accepted'],
  ['android', 'JP', 'jcb', null, 'brand_not_accepted'],
  ['ios', 'US', 'diners', null, 'brand_not_accepted'],
  ['android', 'SG', 'unionpay', null, 'brand_not_accepted'],
  ['android', 'FR', 'cartes_bancaires', null, 'brand_not_accepted'],
  ['ios', 'US', 'unknown', null, 'brand_not_accepted'],
  ['ios', 'US', 'visa', 'apple_pay', 'visa'],
  ['ios', 'GB', 'mastercard', 'google_pay', 'mastercard'],
  ['android', 'DE', 'visa', 'samsung_pay', 'visa'],
  ['android', 'US', 'amex', 'apple_pay', 'amex'],
  ['ios', 'US', 'visa', 'paypal', 'wallet_not_supported'],
  ['android', 'US', 'visa', 'unknown', 'wallet_not_supported'],
  ['ios', 'US', 'jcb', 'apple_pay', 'brand_not_accepted'],
  ['ios', 'FR', 'discover', 'apple_pay', 'brand_not_accepted_in_country'],
];

void describe('acceptCard: brand × platform × country × wallet', () => {
  for (const [platform, country, brand, wallet, expected] of matrix) {
    void it(`${platform} ${country} ${brand}${wallet ? ` via ${wallet}` : ''} → ${expected}`, () => {
      const r = acceptCard({ platform, country, brand, wallet });
      if (r.ok) {
        assert.equal(r.network, expected);
        assert.equal(r.wallet, wallet);
      } else {
        assert.equal(r.reason, expected);
        assert.equal(r.code, 'CARD_NOT_SUPPORTED');
        assert.equal(r.declineCode, 'card_not_supported');
        assert.match(r.message, /Try another card or payment method/);
      }
    });
  }
});

void describe('acceptCard: co-badged cards and normalisation', () => {
  const base: CardAcceptanceInput = { platform: 'ios', country: 'NZ', brand: 'eftpos_au' };
  void it('an eftpos/Visa card outside Australia routes as Visa', () => {
    assert.deepEqual(acceptCard({ ...base, networks: ['eftpos_au', 'visa'] }), {
      ok: true,
      network: 'visa',
      wallet: null,
    });
  });
  void it('the same card in Australia stays on eftpos', () => {
    assert.deepEqual(acceptCard({ ...base, country: 'AU', networks: ['eftpos_au', 'visa'] }), {
      ok: true,
      network: 'eftpos_au',
      wallet: null,
    });
  });
  void it('a JCB/Amex co-badge is accepted as Amex', () => {
    const r = acceptCard({ platform: 'android', country: 'US', brand: 'jcb', networks: ['jcb', 'amex'] });
    assert.equal(r.ok && r.network, 'amex');
  });
  void it('brand, country and wallet are case-insensitive', () => {
    assert.deepEqual(acceptCard({ platform: 'ios', country: 'us', brand: 'VISA', wallet: 'Apple_Pay' }), {
      ok: true,
      network: 'visa',
      wallet: 'apple_pay',
    });
  });
  void it('messages name the brand and platform', () => {
    const r = acceptCard({ platform: 'ios', country: 'FR', brand: 'discover' });
    assert.ok(!r.ok && /Tap to Pay on iPhone does not accept Discover cards in FR/.test(r.message));
  });
});

void describe('acceptCard: every brand rule and refusal exactly', () => {
  const everywhere = ['visa', 'mastercard', 'amex'];
  void it('the rule table, frozen', () => {
    assert.deepEqual(tapToPayBrandRules, {
      ios: { visa: '*', mastercard: '*', amex: '*', discover: ['US'], interac: ['CA'], eftpos_au: ['AU'] },
      android: { visa: '*', mastercard: '*', amex: '*', discover: '*', interac: ['CA'], eftpos_au: ['AU'] },
    });
    assert.equal(Object.isFrozen(tapToPayBrandRules.ios), true);
    assert.equal(Object.isFrozen(tapToPayBrandRules.android.interac), true);
    assert.deepEqual(tapToPayWallets, ['apple_pay', 'google_pay', 'samsung_pay']);
    assert.equal(Object.isFrozen(tapToPayWallets), true);
  });
  for (const platform of ['ios', 'android'] as const) {
    const name = platform === 'ios' ? 'Tap to Pay on iPhone' : 'Tap to Pay on Android';
    void it(`${platform}: brands, countries, wallets, co-badging, exact refusals`, () => {
      for (const brand of everywhere) {
        assert.deepEqual(acceptCard({ platform, country: 'JP', brand }), { ok: true, network: brand, wallet: null });
      }
      assert.deepEqual(acceptCard({ platform, country: ' ca ', brand: ' INTERAC ' }), {
        ok: true,
        network: 'interac',
        wallet: null,
      });
      assert.deepEqual(acceptCard({ platform, country: 'AU', brand: 'eftpos_au', wallet: ' Apple_Pay ' }), {
        ok: true,
        network: 'eftpos_au',
        wallet: 'apple_pay',
      });
      assert.deepEqual(acceptCard({ platform, country: 'US', brand: 'discover', wallet: 'samsung_pay' }), {
        ok: true,
        network: 'discover',
        wallet: 'samsung_pay',
      });
      const discoverInFrance = acceptCard({ platform, country: 'FR', brand: 'discover', wallet: null });
      if (platform === 'android') assert.deepEqual(discoverInFrance, { ok: true, network: 'discover', wallet: null });
      else {
        assert.deepEqual(discoverInFrance, {
          ok: false,
          code: 'CARD_NOT_SUPPORTED',
          reason: 'brand_not_accepted_in_country',
          declineCode: 'card_not_supported',
          message: 'Tap to Pay on iPhone does not accept Discover cards in FR. Try another card or payment method.',
        });
      }
      assert.deepEqual(
        acceptCard({ platform, country: 'NZ', brand: 'eftpos_au', networks: [' EFTPOS_AU ', 'Visa'] }),
        { ok: true, network: 'visa', wallet: null },
        'co-badged: the first accepted network',
      );
      assert.deepEqual(acceptCard({ platform, country: 'fr', brand: 'interac' }), {
        ok: false,
        code: 'CARD_NOT_SUPPORTED',
        reason: 'brand_not_accepted_in_country',
        declineCode: 'card_not_supported',
        message: `${name} does not accept Interac cards in FR. Try another card or payment method.`,
      });
      assert.deepEqual(acceptCard({ platform, country: 'GB', brand: 'eftpos_au' }), {
        ok: false,
        code: 'CARD_NOT_SUPPORTED',
        reason: 'brand_not_accepted_in_country',
        declineCode: 'card_not_supported',
        message: `${name} does not accept eftpos cards in GB. Try another card or payment method.`,
      });
      for (const [brand, label] of <[string, string][]>[
        ['jcb', 'JCB'],
        ['diners', 'Diners Club'],
        ['unionpay', 'UnionPay'],
        ['cartes_bancaires', 'Cartes Bancaires'],
        ['zap', 'zap'],
      ]) {
        assert.deepEqual(
          acceptCard({ platform, country: 'FR', brand }),
          {
            ok: false,
            code: 'CARD_NOT_SUPPORTED',
            reason: 'brand_not_accepted',
            declineCode: 'card_not_supported',
            message: `${name} does not accept ${label} cards. Try another card or payment method.`,
          },
          brand,
        );
      }
      assert.deepEqual(acceptCard({ platform, country: 'FR', brand: 'visa', wallet: 'PayPal' }), {
        ok: false,
        code: 'CARD_NOT_SUPPORTED',
        reason: 'wallet_not_supported',
        declineCode: 'card_not_supported',
        message: `${name} accepts Apple Pay, Google Pay and Samsung Pay wallets, not "PayPal". Try another card or payment method.`,
      });
    });
  }
});
