import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCountry, tapToPayCountries } from './countries.js';
import { tapToPayErrorCodes } from './codes.js';

void describe('checkCountry: seed lists', () => {
  void it('has the seed\'s counts: iPhone 15 GA + 20 beta, Android 18 GA + 18 beta', () => {
    assert.equal(tapToPayCountries.ios.general.length, 15);
    assert.equal(tapToPayCountries.ios.beta.length, 20);
    assert.equal(tapToPayCountries.android.general.length, 18);
    assert.equal(tapToPayCountries.android.beta.length, 18);
    for (const p of ['ios', 'android'] as const) {
      const all = [...tapToPayCountries[p].general, ...tapToPayCountries[p].beta];
      assert.equal(new Set(all).size, all.length, `${p}: no country in both lists`);
    }
  });

  for (const platform of ['ios', 'android'] as const) {
    for (const country of tapToPayCountries[platform].general) {
      void it(`${platform} ${country}: generally available`, () => {
        assert.deepEqual(checkCountry(platform, country), { ok: true, country, availability: 'general' });
      });
    }
    for (const country of tapToPayCountries[platform].beta) {
      void it(`${platform} ${country}: public beta, needs the opt-in`, () => {
        const r = checkCountry(platform, country);
        assert.equal(r.ok, false);
        assert.equal(!r.ok && r.code, 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED');
        assert.equal(!r.ok && r.reason, 'beta_opt_in_required');
        assert.deepEqual(checkCountry(platform, country, { betaOptIn: true }), { ok: true, country, availability: 'beta' });
      });
    }
  }
});

void describe('checkCountry: platform differences and refusals', () => {
  const rows: [string, 'ios' | 'android', string, object, string | null, string?][] = [
    ['MY on Android is GA', 'android', 'MY', {}, null],
    ['MY on iPhone is not available', 'ios', 'MY', {}, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['JP on iPhone is beta', 'ios', 'JP', { betaOptIn: true }, null],
    ['JP on Android is not available', 'android', 'JP', { betaOptIn: true }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['GI on Android is beta', 'android', 'GI', { betaOptIn: true }, null],
    ['GI on iPhone is not available', 'ios', 'GI', { betaOptIn: true }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['CA on iPhone is GA', 'ios', 'CA', {}, null],
    ['CA on Android is beta', 'android', 'CA', {}, 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED', 'beta_opt_in_required'],
    ['ES on Android is beta', 'android', 'ES', { betaOptIn: false }, 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED', 'beta_opt_in_required'],
    ['AT on Android is GA, beta on iPhone', 'android', 'AT', {}, null],
    ['Puerto Rico (PR) on iPhone', 'ios', 'PR', { betaOptIn: true }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    ['Puerto Rico (PR) on Android', 'android', 'PR', {}, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    ['US with state PR', 'ios', 'US', { state: 'PR' }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    ['US with state Puerto Rico', 'android', 'US', { state: 'puerto rico' }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    ['US with state CA', 'ios', 'US', { state: 'CA' }, null],
    ['lower-case country', 'ios', 'fr', {}, null],
    ['Brazil', 'ios', 'BR', {}, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['Mexico', 'android', 'MX', { betaOptIn: true }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['three letters', 'ios', 'USA', {}, 'INVALID_REQUIRED_PARAMETER', 'invalid_country'],
    ['empty', 'android', '', {}, 'INVALID_REQUIRED_PARAMETER', 'invalid_country'],
    ['digits', 'android', '12', {}, 'INVALID_REQUIRED_PARAMETER', 'invalid_country'],
  ];
  for (const [name, platform, country, opts, code, reason] of rows) {
    void it(`${name} → ${code ?? 'ok'}`, () => {
      const r = checkCountry(platform, country, opts);
      if (code === null) {
        assert.equal(r.ok, true);
        return;
      }
      assert.equal(r.ok, false);
      if (r.ok) return;
      assert.equal(r.code, code);
      assert.equal(r.reason, reason);
      assert.ok(r.code in tapToPayErrorCodes);
    });
  }

  void it('an unknown platform is a parameter error', () => {
    const r = checkCountry('windows' as 'ios', 'US');
    assert.equal(!r.ok && r.reason, 'invalid_platform');
  });

  void it('messages name the platform and country', () => {
    const r = checkCountry('android', 'CA');
    assert.ok(!r.ok && /Tap to Pay on Android/.test(r.message) && /CA/.test(r.message));
    const pr = checkCountry('ios', 'PR');
    assert.ok(!pr.ok && /Puerto Rico/.test(pr.message));
  });
});
