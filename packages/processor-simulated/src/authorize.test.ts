import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthorizationResult } from '@opentill/engine';
import { testCards } from './index.js';
import { NOW_MS, authRequest, processor, read } from './fixtures.js';

type Declined = Extract<AuthorizationResult, { approved: false }>;
type Approved = Extract<AuthorizationResult, { approved: true }>;

function declined(result: AuthorizationResult): Declined {
  assert.equal(result.approved, false, 'expected a decline');
  return result as Declined;
}
function approved(result: AuthorizationResult): Approved {
  assert.equal(result.approved, true, `expected approval, got ${JSON.stringify(result)}`);
  return result as Approved;
}

const VISA = '4242424242424242';

describe('standard cards approve at a neutral amount', () => {
  for (const c of testCards.slice(0, 20)) {
    it(c.testCard, async () => {
      const card = read(c.number);
      const result = approved(await processor.authorize(authRequest(card)));
      assert.equal(result.receipt.cardholder_verification_method, 'none');
      assert.ok(!JSON.stringify(result).includes(c.number), 'no PAN on the result');
    });
  }
  it('interac on interac_present in CAD', async () => {
    const card = read('4506445006931933', 'interac_present');
    const result = approved(await processor.authorize(authRequest(card, { currency: 'cad' })));
    assert.equal(result.receipt.application_preferred_name, 'Interac');
    assert.equal(result.receipt.account_type, 'checking');
  });
});

describe('specific-outcome cards', () => {
  const declines: [string, string, string | null, string, string, string][] = [
    // number, code, decline_code, message, network_status, outcome type
    [
      '4000000000000002',
      'card_declined',
      'generic_decline',
      'Your card was declined.',
      'declined_by_network',
      'issuer_declined',
    ],
    [
      '4000000000009995',
      'card_declined',
      'insufficient_funds',
      'Your card has insufficient funds.',
      'declined_by_network',
      'issuer_declined',
    ],
    [
      '4000000000009987',
      'card_declined',
      'lost_card',
      'Your card was declined.',
      'declined_by_network',
      'issuer_declined',
    ],
    [
      '4000000000009979',
      'card_declined',
      'stolen_card',
      'Your card was declined.',
      'declined_by_network',
      'issuer_declined',
    ],
    [
      '4000000000000069',
      'expired_card',
      'expired_card',
      'Your card has expired.',
      'declined_by_network',
      'issuer_declined',
    ],
    [
      '4000000000000119',
      'processing_error',
      null,
      'An error occurred while processing your card. Try again in a little bit.',
      'not_sent_to_network',
      'invalid',
    ],
  ];
  for (const [number, code, declineCode, message, networkStatus, type] of declines) {
    it(`${number.slice(-4)} → ${declineCode ?? code}`, async () => {
      // Amount 1000 would approve: the card alone decides.
      const result = declined(await processor.authorize(authRequest(read(number))));
      assert.equal(result.code, code);
      assert.equal(result.declineCode, declineCode);
      assert.equal(result.message, message);
      assert.equal(result.pinRequired, false);
      assert.equal(result.outcome.network_status, networkStatus);
      assert.equal(result.outcome.type, type);
      assert.equal(result.outcome.reason, declineCode ?? code);
      assert.ok(!JSON.stringify(result).includes(number));
    });
  }

  it('generic decline carries the no-details seller message, specific ones name the code', async () => {
    const generic = declined(await processor.authorize(authRequest(read('4000000000000002'))));
    assert.equal(generic.outcome.seller_message, 'The bank did not return any further details with this decline.');
    const funds = declined(await processor.authorize(authRequest(read('4000000000009995'))));
    assert.equal(funds.outcome.seller_message, 'The bank returned the decline code `insufficient_funds`.');
    assert.equal(funds.outcome.advice_code, 'try_again_later');
    const lost = declined(await processor.authorize(authRequest(read('4000000000009987'))));
    assert.equal(lost.outcome.advice_code, 'do_not_try_again');
  });

  it('processing errors have no receipt; issuer declines have one without an authorization code', async () => {
    const processing = declined(await processor.authorize(authRequest(read('4000000000000119'))));
    assert.equal(processing.receipt, null);
    const funds = declined(await processor.authorize(authRequest(read('4000000000009995'))));
    assert.ok(funds.receipt);
    assert.equal(funds.receipt.authorization_code, null);
    assert.equal(funds.receipt.authorization_response_code, '3531');
  });

  it('ignore test amounts (decline cards stay declined at 00, PIN/refund cards stay approved at 05)', async () => {
    const d = declined(await processor.authorize(authRequest(read('4000000000009995'), { amount: 2500 })));
    assert.equal(d.declineCode, 'insufficient_funds');
    for (const number of ['4001007020000002', '4001000360000005', '4000000000005126']) {
      approved(await processor.authorize(authRequest(read(number), { amount: 1005 })));
    }
  });

  it('offline_pin_cvm and online_pin_cvm approve with their verification method', async () => {
    const off = approved(await processor.authorize(authRequest(read('4001007020000002'))));
    assert.equal(off.receipt.cardholder_verification_method, 'offline_pin');
    const on = approved(await processor.authorize(authRequest(read('4001000360000005'))));
    assert.equal(on.receipt.cardholder_verification_method, 'online_pin');
  });

  const retries: [string, string, string][] = [
    ['4000008260000075', 'offline_pin_required', 'offline_pin'],
    ['4000002760000008', 'online_or_offline_pin_required', 'online_pin'],
  ];
  for (const [number, declineCode, cvm] of retries) {
    it(`${number.slice(-4)} SCA retry: ${declineCode}, then ${cvm} with a PIN`, async () => {
      const card = read(number);
      const first = declined(await processor.authorize(authRequest(card)));
      assert.equal(first.code, 'card_declined');
      assert.equal(first.declineCode, declineCode);
      assert.equal(first.pinRequired, true);
      assert.equal(first.outcome.advice_code, null);
      const inserted = read(number, 'card_present', { readMethod: 'contact_emv' });
      const second = approved(await processor.authorize(authRequest(inserted, { pin: '4321' })));
      assert.equal(second.receipt.cardholder_verification_method, cvm);
      const bad = declined(await processor.authorize(authRequest(inserted, { pin: '12' })));
      assert.equal(bad.code, 'incorrect_pin');
      assert.equal(bad.pinRequired, false);
    });
  }

  it('refund_fail authorizes normally', async () => {
    approved(await processor.authorize(authRequest(read('4000000000005126'))));
  });
});

describe('test amounts', () => {
  const table: [number, string, string | null, string, boolean][] = [
    // amount, code, decline_code (null = approved), message, pinRequired
    [2500, 'approved', null, '', false],
    [1000, 'approved', null, '', false],
    [1001, 'card_declined', 'call_issuer', 'Your card was declined.', false],
    [1005, 'card_declined', 'generic_decline', 'Your card was declined.', false],
    [1055, 'incorrect_pin', 'incorrect_pin', 'The PIN you entered is incorrect.', false],
    [1065, 'card_declined', 'withdrawal_count_limit_exceeded', 'Your card was declined.', false],
    [1075, 'card_declined', 'pin_try_exceeded', 'The allowable number of PIN tries has been exceeded.', false],
    [1002, 'card_declined', 'offline_pin_required', 'Your card was declined. Insert the card and enter the PIN.', true],
    [1003, 'card_declined', 'online_or_offline_pin_required', 'Your card was declined. Enter the PIN.', true],
    [1060, 'approved', null, '', false], // only the older docs declined 60
    [1099, 'approved', null, '', false],
    [5, 'card_declined', 'generic_decline', 'Your card was declined.', false],
    [100_001, 'card_declined', 'call_issuer', 'Your card was declined.', false],
  ];
  for (const [amount, code, declineCode, message, pinRequired] of table) {
    it(`${amount} → ${declineCode ?? 'approved'}`, async () => {
      const result = await processor.authorize(authRequest(read(VISA), { amount }));
      if (declineCode === null) {
        approved(result);
        return;
      }
      const d = declined(result);
      assert.deepEqual([d.code, d.declineCode, d.message, d.pinRequired], [code, declineCode, message, pinRequired]);
      assert.equal(d.outcome.network_status, 'declined_by_network');
      assert.equal(d.outcome.type, 'issuer_declined');
      // EMV 8A: the endings are ISO 8583 response codes; PIN requests use the soft decline 65.
      const arc = pinRequired ? '65' : String(amount % 100).padStart(2, '0');
      assert.equal(d.receipt?.authorization_response_code, Buffer.from(arc).toString('hex'));
    });
  }

  it('apply to every standard card, not just Visa', async () => {
    for (const c of testCards.slice(0, 20)) {
      if (c.testCard === 'interac') continue;
      const d = declined(await processor.authorize(authRequest(read(c.number), { amount: 2005 })));
      assert.equal(d.declineCode, 'generic_decline', c.testCard);
    }
  });

  it('apply to unlisted cards', async () => {
    const d = declined(await processor.authorize(authRequest(read('4111111111111111'), { amount: 901 })));
    assert.equal(d.declineCode, 'call_issuer');
  });

  it('use the two rightmost digits for zero-decimal currencies (105 JPY → generic_decline)', async () => {
    const d = declined(await processor.authorize(authRequest(read(VISA), { amount: 105, currency: 'jpy' })));
    assert.equal(d.declineCode, 'generic_decline');
    approved(await processor.authorize(authRequest(read(VISA), { amount: 1500, currency: 'krw' })));
  });

  it('apply to Interac in CAD', async () => {
    const card = read('4506445006931933', 'interac_present');
    const d = declined(await processor.authorize(authRequest(card, { currency: 'cad', amount: 1065 })));
    assert.equal(d.declineCode, 'withdrawal_count_limit_exceeded');
  });

  it('mark wrong-PIN declines with a failed verification on the receipt', async () => {
    const d = declined(await processor.authorize(authRequest(read(VISA), { amount: 1055 })));
    assert.equal(d.receipt?.cardholder_verification_method, 'failure');
    assert.equal(d.receipt?.terminal_verification_results, '0000800000');
  });
});

describe('PIN paths for amounts ending 02 and 03', () => {
  it('02: no PIN asks for one, 1234 approves with offline_pin, anything else is incorrect_pin', async () => {
    const card = read(VISA);
    const first = declined(await processor.authorize(authRequest(card, { amount: 1002 })));
    assert.equal(first.pinRequired, true);
    const ok = approved(await processor.authorize(authRequest(card, { amount: 1002, pin: '1234' })));
    assert.equal(ok.receipt.cardholder_verification_method, 'offline_pin');
    assert.equal(ok.receipt.transaction_status_information, 'E800');
    for (const pin of ['0000', '4321', '12345']) {
      const bad = declined(await processor.authorize(authRequest(card, { amount: 1002, pin })));
      assert.deepEqual([bad.code, bad.declineCode, bad.pinRequired], ['incorrect_pin', 'incorrect_pin', false]);
    }
  });

  it('03: no PIN asks for one, any 4-digit PIN approves with online_pin, other lengths are incorrect_pin', async () => {
    const card = read(VISA);
    const first = declined(await processor.authorize(authRequest(card, { amount: 1003 })));
    assert.equal(first.declineCode, 'online_or_offline_pin_required');
    assert.equal(first.pinRequired, true);
    for (const pin of ['1234', '0000', '9876']) {
      const ok = approved(await processor.authorize(authRequest(card, { amount: 1003, pin })));
      assert.equal(ok.receipt.cardholder_verification_method, 'online_pin');
      assert.equal(ok.receipt.terminal_verification_results, '0000040000');
    }
    for (const pin of ['123', '12345', 'abcd']) {
      const bad = declined(await processor.authorize(authRequest(card, { amount: 1003, pin })));
      assert.equal(bad.code, 'incorrect_pin');
    }
  });

  it('treats an empty PIN as no PIN', async () => {
    const d = declined(await processor.authorize(authRequest(read(VISA), { amount: 1002, pin: '' })));
    assert.equal(d.pinRequired, true);
  });

  it('a PIN on a plain amount is recorded: offline on contact chip, online otherwise', async () => {
    const contact = read(VISA, 'card_present', { readMethod: 'contact_emv' });
    const off = approved(await processor.authorize(authRequest(contact, { pin: '1234' })));
    assert.equal(off.receipt.cardholder_verification_method, 'offline_pin');
    const on = approved(await processor.authorize(authRequest(read(VISA), { pin: '1234' })));
    assert.equal(on.receipt.cardholder_verification_method, 'online_pin');
  });
});

describe('approved results', () => {
  it('have the charge outcome and plausible receipt fields', async () => {
    const card = read(VISA);
    const r = approved(await processor.authorize(authRequest(card)));
    assert.match(r.authorizationCode, /^[0-9]{6}$/);
    assert.match(r.networkTransactionId, /^[0-9]{15}$/);
    assert.deepEqual(
      { ...r.outcome, risk_score: 0 },
      {
        network_status: 'approved_by_network',
        reason: null,
        risk_level: 'normal',
        risk_score: 0,
        seller_message: 'Payment complete.',
        type: 'authorized',
        advice_code: null,
      },
    );
    assert.ok(Number.isInteger(r.outcome.risk_score) && r.outcome.risk_score >= 0 && r.outcome.risk_score <= 99);
    assert.equal(r.receipt.authorization_code, r.authorizationCode);
    assert.equal(r.receipt.authorization_response_code, '3030');
    assert.equal(r.receipt.application_preferred_name, 'Visa Credit');
    assert.equal(r.receipt.dedicated_file_name, 'A0000000031010');
    assert.equal(r.receipt.account_type, 'credit');
    assert.equal(r.receipt.cardholder_verification_method, 'none');
    assert.match(r.receipt.application_cryptogram, /^[0-9A-F]{16}$/);
    assert.equal(r.receipt.transaction_status_information, '0000');
  });

  it('are deterministic for the same inputs and change with time and amount', async () => {
    const card = read(VISA);
    const a = approved(await processor.authorize(authRequest(card)));
    const b = approved(await processor.authorize(authRequest(card)));
    assert.deepEqual(a, b);
    const later = approved(await processor.authorize(authRequest(card, { nowMs: NOW_MS + 1000 })));
    assert.notEqual(later.networkTransactionId, a.networkTransactionId);
    const more = approved(await processor.authorize(authRequest(card, { amount: 1100 })));
    assert.notEqual(more.networkTransactionId, a.networkTransactionId);
    assert.equal(more.outcome.risk_score, a.outcome.risk_score, 'risk follows the card, not the payment');
  });

  const receipts: [string, string, string, string][] = [
    // number, preferred name, AID, account type
    ['4000056655665556', 'Visa Debit', 'A0000000031010', 'checking'],
    ['5555555555554444', 'Mastercard', 'A0000000041010', 'credit'],
    ['5200828282828210', 'Debit Mastercard', 'A0000000041010', 'checking'],
    ['5105105105105100', 'Prepaid Mastercard', 'A0000000041010', 'prepaid'],
    ['378282246310005', 'American Express', 'A000000025010801', 'credit'],
    ['6011111111111117', 'Discover', 'A0000001523010', 'credit'],
    ['3566002020360505', 'JCB', 'A0000000651010', 'credit'],
    ['6280000360000978', 'eftpos SAV', 'A00000038410', 'checking'],
    ['4000002500001001', 'CB', 'A0000000421010', 'checking'],
    ['4711009900000316877', 'girocard', 'A0000003591010028001', 'checking'],
  ];
  for (const [number, name, aid, accountType] of receipts) {
    it(`receipt for ${name}`, async () => {
      const r = approved(await processor.authorize(authRequest(read(number))));
      assert.deepEqual(
        [r.receipt.application_preferred_name, r.receipt.dedicated_file_name, r.receipt.account_type],
        [name, aid, accountType],
      );
    });
  }
});

describe('card constraints', () => {
  it('Interac (interac_present) outside CAD is refused before the network', async () => {
    const card = read('4506445006931933', 'interac_present');
    const d = declined(await processor.authorize(authRequest(card, { currency: 'usd' })));
    assert.deepEqual([d.code, d.declineCode], ['card_declined', 'currency_not_supported']);
    assert.equal(d.outcome.network_status, 'not_sent_to_network');
    assert.equal(d.receipt, null);
    // Accepted case-insensitively in CAD; the same card as card_present has no currency limit.
    approved(await processor.authorize(authRequest(card, { currency: 'CAD' })));
    approved(await processor.authorize(authRequest(read('4506445006931933'), { currency: 'usd' })));
  });

  it('a card read with a past expiry is declined expired_card; expiry month is inclusive', async () => {
    const endOfJan = Date.UTC(2025, 0, 31, 23, 59, 59);
    const card = read(VISA, 'card_present', { expMonth: 1, expYear: 2025 });
    approved(await processor.authorize(authRequest(card, { nowMs: endOfJan })));
    const d = declined(await processor.authorize(authRequest(card, { nowMs: endOfJan + 1000 })));
    assert.deepEqual([d.code, d.declineCode], ['expired_card', 'expired_card']);
  });
});
