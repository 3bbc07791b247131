import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RoundTripBatcher, type Settled } from './batcher.js';

/** A `send` whose round trips the test finishes by hand, recording the batches it was given. */
function controlledSend<I>() {
  const batches: I[][] = [];
  const pending: Array<{
    inputs: I[];
    finish: (outcomes: Array<Settled<string>>) => void;
    fail: (error: unknown) => void;
  }> = [];
  let wake: (() => void) | null = null;
  const send = (inputs: I[]) =>
    new Promise<Array<Settled<string>>>((resolve, reject) => {
      batches.push(inputs);
      pending.push({ inputs, finish: resolve, fail: reject });
      wake?.();
    });
  /** Resolves once `count` batches have been sent. */
  const sent = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (batches.length >= count) {
          wake = null;
          resolve();
        }
      };
      wake = check;
      check();
    });
  return { send, batches, pending, sent };
}

const echo = (inputs: string[]): Array<Settled<string>> =>
  inputs.map((input) => ({ ok: true, value: `answer ${input}` }));

describe('RoundTripBatcher', () => {
  it('calls made in one turn go as one batch; calls made while it is in flight go as the next one', async () => {
    const { send, batches, pending, sent } = controlledSend<string>();
    const batcher = new RoundTripBatcher(send, { inFlightMax: 1, batchMax: 10 });
    const first = ['a', 'b', 'c'].map((input) => batcher.run(input));
    await sent(1);
    const second = ['d', 'e'].map((input) => batcher.run(input));
    assert.deepEqual(batches, [['a', 'b', 'c']], 'the second group waits for the first batch');
    pending[0]!.finish(echo(pending[0]!.inputs));
    assert.deepEqual(await Promise.all(first), ['answer a', 'answer b', 'answer c']);
    await sent(2);
    assert.deepEqual(batches, [
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    pending[1]!.finish(echo(pending[1]!.inputs));
    assert.deepEqual(await Promise.all(second), ['answer d', 'answer e']);
  });

  it('each call gets its own outcome: one failing leaves its neighbours answered', async () => {
    const { send, pending, sent } = controlledSend<string>();
    const batcher = new RoundTripBatcher(send, { inFlightMax: 1, batchMax: 10 });
    const calls = ['a', 'b', 'c'].map((input) =>
      batcher.run(input).then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    await sent(1);
    pending[0]!.finish([
      { ok: true, value: 'A' },
      { ok: false, error: new Error('b failed') },
      { ok: true, value: 'C' },
    ]);
    assert.deepEqual(await Promise.all(calls), [{ value: 'A' }, { error: 'b failed' }, { value: 'C' }]);
  });

  it('a round trip that fails fails every call of its batch, and the next batch still goes', async () => {
    const { send, pending, sent } = controlledSend<string>();
    const batcher = new RoundTripBatcher(send, { inFlightMax: 1, batchMax: 10 });
    const calls = ['a', 'b'].map((input) =>
      batcher.run(input).then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    await sent(1);
    const later = batcher.run('c');
    pending[0]!.fail(new Error('connection lost'));
    assert.deepEqual(await Promise.all(calls), ['connection lost', 'connection lost']);
    await sent(2);
    pending[1]!.finish(echo(['c']));
    assert.equal(await later, 'answer c');
  });

  it('batches hold at most batchMax calls, and at most inFlightMax are on their way', async () => {
    const { send, batches, pending, sent } = controlledSend<string>();
    const batcher = new RoundTripBatcher(send, { inFlightMax: 2, batchMax: 2 });
    const calls = ['a', 'b', 'c', 'd', 'e'].map((input) => batcher.run(input));
    await sent(2);
    assert.deepEqual(
      batches,
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      'two in flight, the fifth call waits',
    );
    pending[0]!.finish(echo(pending[0]!.inputs));
    await sent(3);
    assert.deepEqual(batches[2], ['e']);
    pending[1]!.finish(echo(pending[1]!.inputs));
    pending[2]!.finish(echo(pending[2]!.inputs));
    assert.deepEqual(await Promise.all(calls), ['answer a', 'answer b', 'answer c', 'answer d', 'answer e']);
  });

  it('an answer with fewer outcomes than calls fails the calls left without one', async () => {
    const { send, pending, sent } = controlledSend<string>();
    const batcher = new RoundTripBatcher(send, { inFlightMax: 1, batchMax: 10 });
    const calls = ['a', 'b'].map((input) =>
      batcher.run(input).then(
        (value) => value,
        (error: Error) => error.message,
      ),
    );
    await sent(1);
    pending[0]!.finish([{ ok: true, value: 'A' }]);
    assert.deepEqual(await Promise.all(calls), ['A', 'batched statement answered 1 outcomes for 2 calls']);
  });
});
