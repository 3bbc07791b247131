/** The hook the test servers load: /v1 answers only; a differing one becomes a 500 naming the difference. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import checkAnswer, { violationMarker } from './answer-check.js';

const location = JSON.stringify({
  id: 'tml_1',
  object: 'terminal.location',
  address: { city: null, country: 'US', line1: null, line2: null, postal_code: null, state: null },
  display_name: 'Shop',
  livemode: false,
  metadata: {},
});

describe('checkAnswer', () => {
  it('lets a conforming answer and anything outside /v1 through', () => {
    assert.equal(checkAnswer('GET', '/v1/terminal/locations/tml_1?expand[]=x', 200, location), undefined);
    assert.equal(checkAnswer('GET', '/opentill/v1/test/clock', 200, '{"object":"opentill.test_clock"}'), undefined);
  });

  it('replaces a differing answer with a 500 that names each difference', (t) => {
    const written: string[] = [];
    t.mock.method(process.stderr, 'write', (text: string) => {
      written.push(text);
      return true;
    });
    const replaced = checkAnswer(
      'POST',
      '/v1/terminal/locations',
      200,
      location.replace('"livemode":false', '"livemode":false,"created":1'),
    );
    assert.equal(replaced?.status, 500);
    const error = (JSON.parse(replaced!.payload) as { error: { type: string; message: string } }).error;
    assert.equal(error.type, 'api_error');
    assert.match(error.message, /\$\.created: not a field of Terminal\.Location/);
    assert.ok(written.join('').startsWith(`${violationMarker} POST /v1/terminal/locations (200)`));
  });
});
