import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactBody, redactedJson, redactText } from './redact.js';

const redactJson = (value: unknown) => JSON.parse(redactedJson(value)) as unknown;

describe('request log redaction', () => {
  it('masks PAN-like digit runs in any string, keeping the last four', () => {
    assert.equal(redactText('card 4242424242424242 ok'), 'card ••••••••••••4242 ok');
    assert.equal(redactText('4242 4242 4242 4242'), '••••••••••••4242');
    assert.equal(redactText('5555-5555-5555-4444'), '••••••••••••4444');
    assert.equal(
      redactText('card%5Bnumber%5D=378282246310005&amount=1000'),
      'card%5Bnumber%5D=•••••••••••0005&amount=1000',
    );
    assert.equal(
      redactText('amount 99999999 and ts 1700000000'),
      'amount 99999999 and ts 1700000000',
      'short runs stay',
    );
  });

  it('masks API keys, webhook secrets, connection tokens, SDK and screen secrets, client secrets', () => {
    assert.equal(redactText('Bearer sk_test_abcDEF123'), 'Bearer sk_test_[REDACTED]');
    assert.equal(redactText('rk_live_xyz'), 'rk_live_[REDACTED]');
    assert.equal(redactText('whsec_0123abcd'), 'whsec_[REDACTED]');
    assert.equal(redactText('pst_test_YWNjdF8xLmFiYw=='), 'pst_test_[REDACTED]');
    assert.equal(redactText('sdks_test_YWJj'), 'sdks_test_[REDACTED]');
    assert.equal(redactText('otscr_acct_1.abcdefghijklmnopqrstuv'), 'otscr_[REDACTED]');
    assert.equal(redactText('pi_123abc_secret_XyZ987'), 'pi_123abc_secret_[REDACTED]');
  });

  it('masks credential fields whatever their value, at any depth, and card numbers sent as numbers', () => {
    assert.deepEqual(
      redactJson({
        secret: 'anything',
        nested: [{ pin: '1234', reader_secret: 'r' }],
        card: { number: 4242424242424242 },
      }),
      {
        secret: '[REDACTED]',
        nested: [{ pin: '[REDACTED]', reader_secret: '[REDACTED]' }],
        card: { number: '••••••••••••4242' },
      },
    );
    assert.deepEqual(
      redactJson({ created: 1700000000000, amount: 1000 }),
      { created: 1700000000000, amount: 1000 },
      'numbers that are not card numbers stay',
    );
  });

  it('redacts a JSON body field by field and any other text by shape', () => {
    const body = JSON.stringify({
      id: 'tok',
      secret: 'pst_test_abc',
      metadata: { note: 'sk_test_k 4000056655665556' },
    });
    assert.deepEqual(JSON.parse(redactBody(body)), {
      id: 'tok',
      secret: '[REDACTED]',
      metadata: { note: 'sk_test_[REDACTED] ••••••••••••5556' },
    });
    assert.equal(redactBody('{not json sk_test_x 4242424242424242'), '{not json sk_test_[REDACTED] ••••••••••••4242');
    assert.deepEqual(
      JSON.parse(
        redactBody(
          JSON.stringify({ at_ms: 1796288013980, list: [1796288013980, 4242424242424242], s: 'a:4242424242424242,' }),
        ),
      ),
      { at_ms: 1796288013980, list: [1796288013980, 4242424242424242], s: 'a:••••••••••••4242,' },
      'JSON number tokens stay (timestamps in ms); digit runs inside strings do not',
    );
  });
});
