/**
 * The pure parts of idempotency through crashes (docs/idempotency.md): what a commit adds to a
 * request's recorded effect, its text, the `begin` decision on an existing key row and the sealing
 * of what is kept at rest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, limits } from '@opentill/core';
import {
  Sealer,
  decideBegin,
  effectAfter,
  effectText,
  errorsNotAnswered,
  newIdempotencyHandle,
  parseEffect,
  type IdempotencyRowState,
} from './idempotency.js';

const put = (id: string, expectedVersion: number, data = `{"id":"${id}"}`) => ({
  object: { id, object: 'payment_intent' },
  expectedVersion,
  data,
});

describe('effectAfter', () => {
  it('marks an object created when this commit inserts it or an earlier commit of the request did', () => {
    const handle = newIdempotencyHandle('k', 't');
    const first = effectAfter(handle, [put('pi_new', 0), put('pi_old', 3)], undefined);
    assert.deepEqual(
      [...first.objects],
      [
        ['pi_new', { type: 'payment_intent', created: true, data: '{"id":"pi_new"}' }],
        ['pi_old', { type: 'payment_intent', created: false, data: '{"id":"pi_old"}' }],
      ],
    );
    assert.equal(handle.effect.objects.size, 0, 'the handle changes only once the commit succeeds');
    Object.assign(handle.effect, first);
    const second = effectAfter(handle, [put('pi_new', 1, '{"v":2}'), put('pi_old', 4, '{"v":5}')], undefined);
    assert.deepEqual(second.objects.get('pi_new'), { type: 'payment_intent', created: true, data: '{"v":2}' });
    assert.deepEqual(second.objects.get('pi_old'), { type: 'payment_intent', created: false, data: '{"v":5}' });
  });

  it('records an error stored for idempotency (a decline), drops it on a later success, never records a validation error', () => {
    const handle = newIdempotencyHandle('k', 't');
    const decline = new ApiError('card_declined', 'Your card was declined.', { decline_code: 'generic_decline' });
    const declined = effectAfter(handle, [], { error: decline });
    assert.deepEqual(declined.error, { status: 402, body: decline.body, headers: {} });
    Object.assign(handle.effect, declined);
    assert.deepEqual(effectAfter(handle, [], undefined).error, null, 'a commit with no outcome answers no error');
    assert.equal(
      effectAfter(handle, [], { error: new ApiError('parameter_missing', 'Missing required param: amount.') }).error,
      null,
    );
    assert.equal(effectAfter(handle, [], { error: null }).error, null);
  });

  it('keeps the error it had when the request does not answer errors of this work', () => {
    const handle = newIdempotencyHandle('k', 't');
    handle.effect.error = { status: 402, body: { x: 1 }, headers: {} };
    const inner = errorsNotAnswered({ idempotency: handle }).idempotency!;
    assert.equal(inner.errorsAreAnswers, false);
    assert.equal(handle.errorsAreAnswers, true, "the request's own handle is untouched");
    assert.equal(inner.effect, handle.effect, 'the derived hold shares the effect');
    assert.deepEqual(effectAfter(inner, [], { error: new ApiError('card_declined', 'declined') }).error, {
      status: 402,
      body: { x: 1 },
      headers: {},
    });
    assert.deepEqual(errorsNotAnswered({ idempotency: null }), { idempotency: null });
  });

  it('replaces the answer only when the commit gives one', () => {
    const handle = newIdempotencyHandle('k', 't');
    assert.equal(effectAfter(handle, [], { answer: { secret: 's' } }).answer, '{"secret":"s"}');
    handle.effect.answer = '"kept"';
    assert.equal(effectAfter(handle, [], {}).answer, '"kept"');
    assert.equal(effectAfter(handle, [], { answer: null }).answer, 'null');
  });
});

describe('effectText / parseEffect', () => {
  it('splices stored texts in as they are and reads back the same effect', () => {
    const effect = {
      objects: new Map([
        ['pi_"1', { type: 'payment_intent', created: true, data: '{"id":"pi_\\"1","amount":5}' }],
        ['ch_1', { type: 'charge', created: false, data: '{"id":"ch_1"}' }],
      ]),
      answer: '{"secret":"s"}',
      error: { status: 402, body: { code: 'card_declined' }, headers: { a: 'b' } },
    };
    const text = effectText(effect);
    assert.equal(
      text,
      '{"objects":[{"id":"pi_\\"1","type":"payment_intent","created":true,"data":{"id":"pi_\\"1","amount":5}},' +
        '{"id":"ch_1","type":"charge","created":false,"data":{"id":"ch_1"}}],"answer":{"secret":"s"},' +
        '"error":{"status":402,"body":{"code":"card_declined"},"headers":{"a":"b"}}}',
    );
    assert.deepEqual(parseEffect(text), {
      objects: [
        { id: 'pi_"1', type: 'payment_intent', created: true, data: { id: 'pi_"1', amount: 5 } },
        { id: 'ch_1', type: 'charge', created: false, data: { id: 'ch_1' } },
      ],
      answer: { secret: 's' },
      error: { status: 402, body: { code: 'card_declined' }, headers: { a: 'b' } },
    });
    assert.equal(
      effectText({ objects: new Map(), answer: null, error: null }),
      '{"objects":[],"answer":null,"error":null}',
    );
  });
});

describe('decideBegin on an existing key row', () => {
  const now = 10 * limits.idempotencyRetentionMs;
  const row = (extra: Partial<IdempotencyRowState>): IdempotencyRowState => ({
    request_hash: 'h',
    state: 'in_flight',
    response_status: null,
    response_body: null,
    created_ms: now - 1000,
    locked_until_ms: now - 1,
    token: 'tok',
    effect: null,
    ...extra,
  });

  it('claims a key past retention, whatever its state (the boundary itself is still retained)', () => {
    assert.equal(
      decideBegin(
        row({ state: 'done', created_ms: now - limits.idempotencyRetentionMs - 1, response_status: 200 }),
        'other',
        now,
      ),
      null,
    );
    assert.deepEqual(
      decideBegin(
        row({
          state: 'done',
          created_ms: now - limits.idempotencyRetentionMs,
          response_status: 200,
          response_body: '{}',
        }),
        'h',
        now,
      ),
      { kind: 'replay', status: 200, body: '{}' },
    );
  });

  it('replays a finished key for the same request, refuses another request on it', () => {
    assert.deepEqual(
      decideBegin(row({ state: 'done', response_status: 402, response_body: '{"error":{}}' }), 'h', now),
      { kind: 'replay', status: 402, body: '{"error":{}}' },
    );
    assert.deepEqual(decideBegin(row({ state: 'done' }), 'h', now), { kind: 'replay', status: 500, body: '' });
    assert.deepEqual(decideBegin(row({ state: 'done', response_status: 200, response_body: '{}' }), 'other', now), {
      kind: 'mismatch',
    });
  });

  it('answers in_use while the lock holds (until the very millisecond it ends)', () => {
    assert.deepEqual(decideBegin(row({ locked_until_ms: now + 1 }), 'h', now), { kind: 'in_use' });
    assert.deepEqual(decideBegin(row({ locked_until_ms: now + 1 }), 'other', now), { kind: 'in_use' });
    assert.equal(decideBegin(row({ locked_until_ms: now }), 'h', now), null);
  });

  it('after the lock: another request is a mismatch; an effect recorded means recover; none means run again', () => {
    assert.deepEqual(decideBegin(row({}), 'other', now), { kind: 'mismatch' });
    assert.deepEqual(decideBegin(row({ effect: '{"objects":[]}' }), 'h', now), {
      kind: 'recover',
      token: 'tok',
      effect: '{"objects":[]}',
    });
    assert.equal(decideBegin(row({ effect: '{"objects":[]}', token: null }), 'h', now), null);
    assert.equal(decideBegin(row({}), 'h', now), null);
  });
});

describe('Sealer', () => {
  it('seals with the installation secret (loaded once), opens what it sealed, passes unsealed text through', async () => {
    let loads = 0;
    const sealer = new Sealer(async () => {
      loads += 1;
      return 'secret-1';
    });
    const [a, b] = await Promise.all([sealer.seal('{"answer":"shown-once"}'), sealer.seal('{"answer":"shown-once"}')]);
    assert.match(a, /^s1\.[A-Za-z0-9_-]+$/);
    assert.notEqual(a, b, 'a fresh IV per seal');
    assert.equal(a.includes('shown-once'), false);
    assert.equal(Buffer.from(a.slice(3), 'base64url').length, 12 + 16 + '{"answer":"shown-once"}'.length);
    assert.equal(await sealer.open(a), '{"answer":"shown-once"}');
    assert.equal(await sealer.open(b), '{"answer":"shown-once"}');
    assert.equal(await sealer.open('{"plain":true}'), '{"plain":true}');
    assert.equal(loads, 1);
    const reopened = new Sealer(async () => 'secret-1');
    assert.equal(await reopened.open(a), '{"answer":"shown-once"}', 'another node with the same secret opens it');
    const other = new Sealer(async () => 'secret-2');
    await assert.rejects(other.open(a), 'another secret cannot open it (GCM authentication)');
    const tampered = `${a.slice(0, -2)}${a.at(-2) === 'A' ? 'B' : 'A'}${a.at(-1)}`;
    await assert.rejects(sealer.open(tampered));
  });
});
