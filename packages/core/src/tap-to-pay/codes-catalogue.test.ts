/** The Tap to Pay error catalogue against docs/tap-to-pay.md's table: the SDK column and the native names. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { tapToPayErrorCodes } from './codes.js';

const docs = readFileSync(new URL('../../../../docs/tap-to-pay.md', import.meta.url), 'utf8');
const section = docs.slice(docs.indexOf('## Error codes'), docs.indexOf('Cardholder-verification declines'));
const rows = new Map(
  section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, sdk, native] = line
        .split('|')
        .slice(1, 4)
        .map((cell) => cell.trim());
      return [String(code).replaceAll('`', ''), { sdk: String(sdk), native: String(native) }] as const;
    }),
);

describe('Tap to Pay error catalogue', () => {
  it('the same codes as the documented table, in its order', () => {
    assert.equal(rows.size, 17);
    assert.deepEqual(Object.keys(tapToPayErrorCodes), [...rows.keys()]);
  });

  it('sdk is true exactly for the codes the table marks SDK', () => {
    for (const [code, entry] of Object.entries(tapToPayErrorCodes)) {
      const row = rows.get(code);
      assert.equal(entry.sdk, row?.sdk.startsWith('SDK'), code);
    }
    assert.deepEqual(
      Object.entries(tapToPayErrorCodes)
        .filter(([, entry]) => entry.sdk)
        .map(([code]) => code),
      [
        'INVALID_REQUIRED_PARAMETER',
        'TAP_TO_PAY_UNSUPPORTED_DEVICE',
        'TAP_TO_PAY_UNSUPPORTED_PROCESSOR',
        'TAP_TO_PAY_UNSUPPORTED_ANDROID_VERSION',
        'TAP_TO_PAY_DEVICE_TAMPERED',
        'TAP_TO_PAY_NFC_DISABLED',
        'STRIPE_API_CONNECTION_ERROR',
        'TAP_TO_PAY_DEBUG_NOT_SUPPORTED',
        'TAP_TO_PAY_INSECURE_ENVIRONMENT',
        'CARD_NOT_SUPPORTED',
      ],
    );
  });

  it('native names every native error (and its number) the table names', () => {
    for (const [code, entry] of Object.entries(tapToPayErrorCodes)) {
      const row = rows.get(code);
      const named = [...String(row?.native).matchAll(/`([^`]+)`|\((\d+)\)/g)].map((m) => m[1] ?? m[2]);
      for (const name of named) {
        const bare = String(name).replace(/^decline_code: /, '');
        assert.ok(entry.native.includes(bare), `${code}: ${entry.native} names ${bare}`);
      }
      assert.ok(entry.native.length >= 4, code);
    }
  });

  it('when says, in words, when the code is used', () => {
    for (const [code, entry] of Object.entries(tapToPayErrorCodes)) {
      assert.match(entry.when, /^[a-zA-Z].*[A-Za-z0-9)]$/, code);
      assert.ok(entry.when.split(' ').length >= 3, code);
    }
  });
});
