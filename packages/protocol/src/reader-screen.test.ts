import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScreenLanguage, screenLanguageFor, screenLanguages } from './reader-screen.js';

describe('virtual screen language from the location', () => {
  it('each Terminal country shows its main language where the screen has it, English otherwise', () => {
    const expected: Record<string, string> = {
      US: 'en',
      GB: 'en',
      IE: 'en',
      AU: 'en',
      NZ: 'en',
      SG: 'en',
      MY: 'en',
      CA: 'en',
      FR: 'fr',
      BE: 'fr',
      LU: 'fr',
      MC: 'fr',
      DE: 'de',
      AT: 'de',
      CH: 'de',
      LI: 'de',
      ES: 'es',
      IT: 'it',
      NL: 'nl',
      DK: 'en',
      SE: 'en',
      FI: 'en',
      NO: 'en',
      PT: 'en',
      PL: 'en',
      CZ: 'en',
      JP: 'en',
    };
    for (const [country, language] of Object.entries(expected))
      assert.equal(screenLanguageFor(country), language, country);
  });

  it('Quebec reads French; a lower-case or missing country falls back sensibly', () => {
    assert.equal(screenLanguageFor('CA', 'QC'), 'fr');
    assert.equal(screenLanguageFor('CA', 'ON'), 'en');
    assert.equal(screenLanguageFor('fr'), 'fr');
    assert.equal(screenLanguageFor(null), 'en');
    assert.equal(screenLanguageFor(undefined), 'en');
    assert.equal(screenLanguageFor(''), 'en');
  });

  it('every language it picks is one the screen is written in', () => {
    assert.deepEqual([...screenLanguages], ['en', 'fr', 'de', 'es', 'it', 'nl']);
    assert.ok(isScreenLanguage('nl'));
    assert.ok(!isScreenLanguage('pt'));
  });
});
