/** storedTextToWire must answer exactly what toWire(JSON.parse(text)) answers, or null. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { storedTextToWire, toWire } from './wire.js';

/** Checks one document; true if the fast path answered (only then is there anything to compare). */
function check(object: unknown): boolean {
  const text = JSON.stringify(object);
  const fast = storedTextToWire(text);
  if (fast === null) return false;
  assert.equal(fast, toWire(JSON.parse(text)), text);
  return true;
}

describe('storedTextToWire', () => {
  it('drops a trailing top-level _internal without parsing the rest', () => {
    const text = JSON.stringify({ id: 'pi_1', metadata: { a: '}' }, _internal: { card: { n: '",' } } });
    assert.equal(storedTextToWire(text), '{"id":"pi_1","metadata":{"a":"}"}}');
  });

  it('returns the text itself when there is no _internal', () => {
    const text = JSON.stringify({ id: 'ch_1', description: '"_internal":' });
    assert.equal(storedTextToWire(text), text);
  });

  it('gives up (null) on _internal anywhere else', () => {
    assert.equal(storedTextToWire(JSON.stringify({ _internal: 1, id: 'x' })), null);
    assert.equal(storedTextToWire(JSON.stringify({ id: 'x', _internal: 1, b: 2 })), null);
    assert.equal(storedTextToWire(JSON.stringify({ a: { b: 1, _internal: 2 } })), null);
    assert.equal(storedTextToWire(JSON.stringify({ a: { b: 1, _internal: 2 }, _internal: 3 })), null);
    assert.equal(storedTextToWire(JSON.stringify({ a: [1, { b: 1, _internal: { c: [] } }] })), null);
  });

  it('agrees with toWire on arbitrary documents', (t) => {
    const key = fc.oneof(fc.constantFrom('_internal', 'id', 'a', '"_internal":', ',"_internal":'), fc.string());
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    const answered = { plain: 0, internal: 0 };
    const runs = 2000;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), value, (object, internal) => {
        if (check(object)) answered.plain += 1;
        if (check({ ...object, _internal: internal })) answered.internal += 1;
      }),
      { numRuns: runs },
    );
    // Both shapes must have gone through the fast path often, or the comparison proved little.
    t.diagnostic(
      `fast path answered ${answered.plain} plain and ${answered.internal} trailing-_internal documents of ${runs}`,
    );
    assert.ok(answered.plain >= runs / 10 && answered.internal >= runs / 10, JSON.stringify(answered));
  });
});

describe('members Stripe does not show', () => {
  it("drops a refund's livemode and a reader's, location's or configuration's created, at any depth, never in metadata", () => {
    const refund = {
      id: 're_1',
      object: 'refund',
      amount: 1,
      created: 5,
      livemode: false,
      metadata: { livemode: 'x' },
    };
    assert.equal(toWire(refund), '{"id":"re_1","object":"refund","amount":1,"created":5,"metadata":{"livemode":"x"}}');
    assert.equal(storedTextToWire(JSON.stringify(refund)), null);
    const reader = {
      id: 'tmr_1',
      object: 'terminal.reader',
      created: 1,
      livemode: false,
      location: { id: 'tml_1', object: 'terminal.location', created: 2, livemode: false },
      action: { refund_payment: { refund } },
    };
    const shown = JSON.parse(toWire(reader)) as typeof reader;
    assert.equal('created' in shown.location, false);
    assert.equal('livemode' in shown.action.refund_payment.refund, false);
    assert.equal('created' in shown, false);
    const configuration = {
      id: 'tmc_1',
      object: 'terminal.configuration',
      created: 3,
      livemode: false,
      _internal: { a: 1 },
    };
    assert.equal(toWire(configuration), '{"id":"tmc_1","object":"terminal.configuration","livemode":false}');
  });
});
