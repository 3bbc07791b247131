import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientSecretOf, intentIdOfClientSecret } from './client-secret.js';

describe('client secrets', () => {
  it('round-trips the intent id', () => {
    assert.equal(clientSecretOf('pi_123', 'abc'), 'pi_123_secret_abc');
    assert.equal(intentIdOfClientSecret('pi_123_secret_abc'), 'pi_123');
    assert.equal(intentIdOfClientSecret('seti_9_secret_x'), 'seti_9');
  });

  it('refuses texts that are not shaped like one', () => {
    for (const text of ['', 'pi_123', '_secret_abc', 'pi_123_secret_', 'pi_123_secre_abc']) {
      assert.equal(intentIdOfClientSecret(text), null, text);
    }
  });
});
