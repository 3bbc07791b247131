import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SimulatedProcessor, defaultTestCardNumber, passesLuhn, testCards } from './index.js';
import { ACCOUNT, cardRead, processor, read, withCheckDigit } from './fixtures.js';

describe('test-card table', () => {
  it('lists every standard and specific-outcome card once, all Luhn-valid', () => {
    assert.equal(testCards.length, 31);
    assert.equal(new Set(testCards.map((c) => c.number)).size, testCards.length);
    assert.equal(new Set(testCards.map((c) => c.testCard)).size, testCards.length);
    for (const c of testCards) assert.ok(passesLuhn(c.number), c.testCard);
  });

  it('is frozen so consumers cannot mutate the shared table', () => {
    assert.ok(Object.isFrozen(testCards));
    assert.ok(Object.isFrozen(testCards[0]));
  });
});

describe('readCard on every listed card', () => {
  for (const c of testCards) {
    it(`${c.testCard} (${c.number.slice(-4)})`, () => {
      const type = c.type === 'interac_present' ? 'interac_present' : 'card_present';
      const card = read(c.number, type);
      assert.equal(card.testCard, c.testCard);
      assert.equal(card.type, type);
      assert.equal(card.last4, c.number.slice(-4));
      assert.equal(card.funding, c.funding);
      assert.equal(card.country, c.country);
      if (c.testCard !== 'interac') {
        assert.equal(card.brand, c.brand);
        assert.equal(card.network, c.network);
        assert.deepEqual(card.networksAvailable, [...c.networks]);
      }
      assert.equal(card.expMonth, 12);
      assert.equal(card.expYear, 2030);
      assert.deepEqual(card.preferredLocales, ['en']);
      assert.match(card.fingerprint, /^[A-Za-z0-9]{16}$/);
      // The full number must not survive anywhere on the facts.
      assert.ok(!JSON.stringify(card).includes(c.number));
    });
  }
});

describe('readCard specifics', () => {
  const expected: [string, string, string, string, string | null][] = [
    // number, brand, network, funding, country
    ['4242424242424242', 'visa', 'visa', 'credit', 'US'],
    ['4000056655665556', 'visa', 'visa', 'debit', 'US'],
    ['5105105105105100', 'mastercard', 'mastercard', 'prepaid', 'US'],
    ['378282246310005', 'amex', 'amex', 'credit', 'US'],
    ['36227206271667', 'diners', 'diners', 'credit', 'US'],
    ['6280000360000978', 'eftpos_au', 'eftpos_au', 'debit', 'AU'],
    ['4000002500001001', 'cartes_bancaires', 'cartes_bancaires', 'debit', 'FR'],
    ['4711009900000316877', 'girocard', 'girocard', 'debit', 'DE'],
  ];
  for (const [number, brand, network, funding, country] of expected) {
    it(`${number.slice(-4)} is ${brand}/${funding}/${country}`, () => {
      const card = read(number);
      assert.deepEqual([card.brand, card.network, card.funding, card.country], [brand, network, funding, country]);
    });
  }

  it('lists both networks on co-badged cards, domestic first', () => {
    assert.deepEqual(read('4000050360000001').networksAvailable, ['eftpos_au', 'visa']);
    assert.deepEqual(read('5555552500001001').networksAvailable, ['cartes_bancaires', 'mastercard']);
  });

  it('reads the Interac card as interac on interac_present and as visa on card_present', () => {
    const interac = read('4506445006931933', 'interac_present');
    assert.deepEqual(
      [interac.brand, interac.network, interac.funding, interac.country],
      ['interac', 'interac', 'debit', 'CA'],
    );
    assert.deepEqual(interac.networksAvailable, ['interac']);
    const visa = read('4506445006931933', 'card_present');
    assert.deepEqual([visa.brand, visa.network, visa.country], ['visa', 'visa', 'CA']);
    assert.equal(visa.testCard, 'interac');
  });

  it('keeps the expired-card test card on a future expiry (it declines at authorization)', () => {
    const card = read('4000000000000069');
    assert.equal(card.expYear, 2030);
  });

  it('uses the given expiry, cardholder name, read method and wallet', () => {
    const card = read('4242424242424242', 'card_present', {
      expMonth: 3,
      expYear: 2031,
      cardholderName: 'JENNY ROSEN',
      readMethod: 'contact_emv',
      wallet: 'apple_pay',
    });
    assert.deepEqual(
      [card.expMonth, card.expYear, card.cardholderName, card.readMethod, card.wallet],
      [3, 2031, 'JENNY ROSEN', 'contact_emv', 'apple_pay'],
    );
  });

  it('falls back to default expiry for out-of-range values', () => {
    const card = read('4242424242424242', 'card_present', { expMonth: 13, expYear: 30 });
    assert.deepEqual([card.expMonth, card.expYear], [12, 2030]);
  });
});

describe('readCard on unlisted numbers', () => {
  // Luhn-valid numbers built for each IIN range.
  const iins: [string, string][] = [
    ['4111111111111111', 'visa'],
    ['5425233430109903', 'mastercard'],
    ['2223000048410010', 'mastercard'],
    ['2720990000000007', 'mastercard'],
    ['340000000000009', 'amex'],
    ['6011000000000004', 'discover'],
    ['6500000000000002', 'discover'],
    ['6440000000000005', 'discover'],
    ['30000000000004', 'diners'],
    ['38520000023237', 'diners'],
    ['36000000000008', 'diners'],
    ['3530111333300000', 'jcb'],
    ['6212345678901265', 'unionpay'],
    ['1234567890123452', 'unknown'],
    [withCheckDigit('700000000000000'), 'unknown'],
  ];
  for (const [number, brand] of iins) {
    it(`${number} → ${brand}`, () => {
      assert.ok(passesLuhn(number), 'fixture must be Luhn-valid');
      const card = read(number);
      assert.equal(card.brand, brand);
      assert.equal(card.network, brand);
      assert.equal(card.testCard, 'custom');
      assert.equal(card.funding, 'unknown');
      assert.equal(card.country, null);
    });
  }

  it('accepts the 12 and 19 digit extremes', () => {
    const twelve = withCheckDigit('40000000000');
    const nineteen = withCheckDigit('400000000000000000');
    assert.equal(read(twelve).brand, 'visa');
    assert.equal(read(nineteen).last4, nineteen.slice(-4));
  });
});

describe('readCard rejects invalid numbers', () => {
  const invalid: [string, string][] = [
    ['', 'empty'],
    ['4242424242424241', 'Luhn failure'],
    ['4242 4242 4242 4242', 'spaces'],
    ['4242-4242-4242-4242', 'dashes'],
    ['42424242424242a2', 'letter'],
    [withCheckDigit('4000000000'), '11 digits (Luhn-valid)'],
    [withCheckDigit('4000000000000000000'), '20 digits (Luhn-valid)'],
    ['４２４２４２４２４２４２４２４２', 'full-width digits'],
  ];
  for (const [number, why] of invalid) {
    it(why, () => {
      const result = processor.readCard(ACCOUNT, cardRead(number));
      assert.deepEqual(result, { ok: false, code: 'incorrect_number', message: 'Your card number is incorrect.' });
    });
  }
});

describe('fingerprints', () => {
  const fp = (
    p: SimulatedProcessor,
    account: string,
    number: string,
    type: 'card_present' | 'interac_present' = 'card_present',
  ) => {
    const r = p.readCard(account, cardRead(number, { type }));
    assert.ok(r.ok);
    return r.card.fingerprint;
  };

  it('are stable for the same card and account, across instances and read methods', () => {
    const other = new SimulatedProcessor({ fingerprintKey: 'test-fingerprint-key' });
    const a = fp(processor, ACCOUNT, '4242424242424242');
    assert.equal(fp(processor, ACCOUNT, '4242424242424242'), a);
    assert.equal(fp(other, ACCOUNT, '4242424242424242'), a);
    const contact = processor.readCard(ACCOUNT, cardRead('4242424242424242', { readMethod: 'contact_emv' }));
    assert.ok(contact.ok);
    assert.equal(contact.card.fingerprint, a);
  });

  it('differ between accounts, cards and keys', () => {
    const a = fp(processor, ACCOUNT, '4242424242424242');
    assert.notEqual(fp(processor, 'acct_other', '4242424242424242'), a);
    assert.notEqual(fp(processor, ACCOUNT, '4000056655665556'), a);
    assert.notEqual(fp(new SimulatedProcessor({ fingerprintKey: 'another-key' }), ACCOUNT, '4242424242424242'), a);
  });

  it('are distinct across the whole test-card table', () => {
    const all = testCards.map((c) => fp(processor, ACCOUNT, c.number));
    assert.equal(new Set(all).size, all.length);
  });

  it('require a key', () => {
    assert.throws(() => new SimulatedProcessor({ fingerprintKey: '' }));
  });
});

describe('defaultTestCardNumber (the card used when none is given)', () => {
  const cases: [string[], string][] = [
    [['card_present'], '4242424242424242'],
    [['card_present', 'interac_present'], '4242424242424242'],
    [['interac_present', 'card_present'], '4242424242424242'],
    [['interac_present'], '4506445006931933'],
    [[], '4242424242424242'],
  ];
  for (const [types, number] of cases) {
    it(`[${types.join(', ')}] → ${number}`, () => assert.equal(defaultTestCardNumber(types), number));
  }
});
