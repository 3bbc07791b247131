import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkCountry, tapToPayCountries } from './countries.js';
import { tapToPayErrorCodes } from './codes.js';

void describe('checkCountry: seed lists', () => {
  void it("has the seed's counts: iPhone 15 GA + 20 beta, Android 18 GA + 18 beta", () => {
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
        assert.deepEqual(checkCountry(platform, country, { betaOptIn: true }), {
          ok: true,
          country,
          availability: 'beta',
        });
      });
    }
  }
});

void describe('checkCountry: platform differences and refusals', () => {
  const rows: [string, 'ios' | 'android', string, object, string | null, string?][] = [
    ['MY on Android is GA', 'android', 'MY', {}, null],
    ['MY on iPhone is not available', 'ios', 'MY', {}, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'country_not_available'],
    ['JP on iPhone is beta', 'ios', 'JP', { betaOptIn: true }, null],
    [
      'JP on Android is not available',
      'android',
      'JP',
      { betaOptIn: true },
      'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      'country_not_available',
    ],
    ['GI on Android is beta', 'android', 'GI', { betaOptIn: true }, null],
    [
      'GI on iPhone is not available',
      'ios',
      'GI',
      { betaOptIn: true },
      'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      'country_not_available',
    ],
    ['CA on iPhone is GA', 'ios', 'CA', {}, null],
    ['CA on Android is beta', 'android', 'CA', {}, 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED', 'beta_opt_in_required'],
    [
      'ES on Android is beta',
      'android',
      'ES',
      { betaOptIn: false },
      'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED',
      'beta_opt_in_required',
    ],
    ['AT on Android is GA, beta on iPhone', 'android', 'AT', {}, null],
    [
      'Puerto Rico (PR) on iPhone',
      'ios',
      'PR',
      { betaOptIn: true },
      'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      'puerto_rico_excluded',
    ],
    ['Puerto Rico (PR) on Android', 'android', 'PR', {}, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    ['US with state PR', 'ios', 'US', { state: 'PR' }, 'TAP_TO_PAY_UNSUPPORTED_COUNTRY', 'puerto_rico_excluded'],
    [
      'US with state Puerto Rico',
      'android',
      'US',
      { state: 'puerto rico' },
      'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      'puerto_rico_excluded',
    ],
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

void describe('checkCountry: the lists and every refusal exactly', () => {
  void it("the seed's lists, frozen", () => {
    assert.deepEqual(tapToPayCountries, {
      ios: {
        general: ['AU', 'CA', 'CZ', 'DE', 'ES', 'FR', 'GB', 'IE', 'IT', 'NL', 'NZ', 'PL', 'PT', 'SE', 'US'],
        beta: [
          'AT',
          'BE',
          'CH',
          'CY',
          'DK',
          'EE',
          'FI',
          'HR',
          'HU',
          'JP',
          'LI',
          'LT',
          'LU',
          'LV',
          'MT',
          'NO',
          'RO',
          'SG',
          'SI',
          'SK',
        ],
      },
      android: {
        general: [
          'AT',
          'AU',
          'BE',
          'CH',
          'DE',
          'DK',
          'FI',
          'FR',
          'GB',
          'IE',
          'IT',
          'MY',
          'NL',
          'NZ',
          'PL',
          'SE',
          'SG',
          'US',
        ],
        beta: [
          'CA',
          'CY',
          'CZ',
          'EE',
          'ES',
          'GI',
          'HR',
          'HU',
          'LI',
          'LT',
          'LU',
          'LV',
          'MT',
          'NO',
          'PT',
          'RO',
          'SI',
          'SK',
        ],
      },
    });
    for (const platform of ['ios', 'android'] as const) {
      assert.equal(Object.isFrozen(tapToPayCountries[platform]), true);
      assert.equal(Object.isFrozen(tapToPayCountries[platform].general), true);
      assert.equal(Object.isFrozen(tapToPayCountries[platform].beta), true);
    }
  });
  void it('answers and refusals', () => {
    assert.deepEqual(checkCountry('ios', ' fr '), { ok: true, country: 'FR', availability: 'general' });
    assert.deepEqual(checkCountry('android', 'ca', { betaOptIn: true }), {
      ok: true,
      country: 'CA',
      availability: 'beta',
    });
    assert.deepEqual(checkCountry('android', 'CA', { betaOptIn: false }), {
      ok: false,
      code: 'TAP_TO_PAY_COUNTRY_BETA_NOT_ENABLED',
      reason: 'beta_opt_in_required',
      message: 'Tap to Pay on Android is in public beta in CA; opt in to the beta to use it there.',
    });
    assert.deepEqual(checkCountry('ios', 'BR'), {
      ok: false,
      code: 'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
      reason: 'country_not_available',
      message: 'Tap to Pay on iPhone is not available in BR.',
    });
    for (const [country, state] of [
      ['pr', null],
      ['US', ' pr '],
      ['us', 'Puerto Rico'],
    ] as const) {
      assert.deepEqual(
        checkCountry('android', country, { state }),
        {
          ok: false,
          code: 'TAP_TO_PAY_UNSUPPORTED_COUNTRY',
          reason: 'puerto_rico_excluded',
          message: 'Tap to Pay on Android is not available in Puerto Rico.',
        },
        `${country} ${state}`,
      );
    }
    assert.deepEqual(checkCountry('ios', 'US', { state: 'CA' }), { ok: true, country: 'US', availability: 'general' });
    assert.deepEqual(
      checkCountry('ios', 'CA', { state: 'PR' }),
      { ok: true, country: 'CA', availability: 'general' },
      'only US + PR',
    );
    for (const country of ['FRA', 'F', '', 'F1', 42]) {
      assert.deepEqual(
        checkCountry('ios', country as string),
        {
          ok: false,
          code: 'INVALID_REQUIRED_PARAMETER',
          reason: 'invalid_country',
          message: 'country must be a two-letter ISO 3166-1 code.',
        },
        String(country),
      );
    }
    assert.deepEqual(checkCountry('windows' as 'ios', 'FR'), {
      ok: false,
      code: 'INVALID_REQUIRED_PARAMETER',
      reason: 'invalid_platform',
      message: "platform must be 'ios' or 'android'.",
    });
  });
});
