/** Table tests of the reader state machine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors.js';
import {
  beginAuthorization,
  buildReader,
  cancelAction,
  cardCollected,
  cartLineItemCountMax,
  checkCart,
  checkWaitingForCard,
  collectedCardHoldMs,
  customerCancel,
  finishAction,
  inputsCollected,
  readerStatusAt,
  startAction,
  type ActionOutcome,
  type ActionRequest,
  type Cart,
  type Reader,
} from './reader.js';

const now = 1_800_000_000_000;
const base = buildReader(
  {
    id: 'tmr_1',
    deviceType: 'simulated_wisepos_e',
    label: 'r',
    location: 'tml_1',
    metadata: {},
    serialNumber: 's',
    deviceSwVersion: '',
    ipAddress: '0.0.0.0',
    link: 'simulated',
  },
  now,
);
const process = (pi = 'pi_1', config?: Record<string, unknown>): ActionRequest => ({
  type: 'process_payment_intent',
  process_payment_intent: { payment_intent: pi, ...(config ? { process_config: config } : {}) },
});
const waiting = (action = process()) => startAction(base, action, true, now).reader;
const authorizing = beginAuthorization(waiting(), { paymentMethod: 'pm_1', tipAmount: 0 }, 5000, now).reader;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
  return 'ok';
}

test('which commands a reader accepts, by state', () => {
  const busyUpdating: Reader = { ...base, _internal: { ...base._internal, busyUntilMs: now + 1000 } };
  const doneUpdating: Reader = { ...base, _internal: { ...base._internal, busyUntilMs: now - 1 } };
  const rows: Array<[string, Reader, boolean, string, string]> = [
    // name, reader, online, start result, cancel result
    ['idle', base, true, 'ok', 'ok'],
    ['offline', base, false, 'terminal_reader_offline', 'terminal_reader_offline'],
    ['waiting for a card (replaceable)', waiting(), true, 'ok', 'ok'],
    ['authorizing', authorizing, true, 'terminal_reader_busy', 'terminal_reader_busy'],
    ['updating', busyUpdating, true, 'terminal_reader_busy', 'terminal_reader_busy'],
    ['update finished', doneUpdating, true, 'ok', 'ok'],
  ];
  for (const [name, reader, online, start, cancel] of rows) {
    assert.equal(
      code(() => startAction(reader, process('pi_2'), online, now)),
      start,
      `${name}: start`,
    );
    assert.equal(
      code(() => cancelAction(reader, online, now)),
      cancel,
      `${name}: cancel`,
    );
  }
});

test('a started action is in_progress and replaces the previous one', () => {
  const first = waiting(process('pi_1'));
  const second = startAction(first, process('pi_2'), true, now).reader;
  assert.deepEqual(second.action, {
    api_error: null,
    type: 'process_payment_intent',
    status: 'in_progress',
    failure_code: null,
    failure_message: null,
    process_payment_intent: { payment_intent: 'pi_2' },
  });
  assert.equal(second._internal.stage, 'waiting');
});

test('final outcomes and their events, by action type', () => {
  const rows: Array<[ActionRequest, ActionOutcome, string | null]> = [
    [process(), { status: 'succeeded' }, 'terminal.reader.action_succeeded'],
    [process(), { status: 'failed', code: 'card_declined', message: 'm' }, 'terminal.reader.action_failed'],
    [
      { type: 'confirm_payment_intent', confirm_payment_intent: { payment_intent: 'pi' } },
      { status: 'succeeded' },
      'terminal.reader.action_succeeded',
    ],
    [
      { type: 'refund_payment', refund_payment: { charge: 'ch' } },
      { status: 'succeeded' },
      'terminal.reader.action_succeeded',
    ],
    [
      { type: 'refund_payment', refund_payment: { charge: 'ch' } },
      { status: 'failed', code: 'x', message: 'm' },
      'terminal.reader.action_failed',
    ],
    [
      { type: 'collect_payment_method', collect_payment_method: { payment_intent: 'pi' } },
      { status: 'failed', code: 'customer_canceled', message: 'm' },
      'terminal.reader.action_failed',
    ],
    [
      { type: 'set_reader_display', set_reader_display: { type: 'cart' } },
      { status: 'failed', code: 'x', message: 'm' },
      null,
    ],
  ];
  for (const [action, outcome, event] of rows) {
    const done = finishAction(startAction(base, action, true, now).reader, outcome, now);
    assert.equal(done.reader.action?.status, outcome.status);
    assert.equal(done.reader.action?.failure_code, outcome.status === 'failed' ? outcome.code : null);
    assert.deepEqual(
      done.events.map((e) => e.type),
      event ? [event] : [],
      `${action.type} ${outcome.status}`,
    );
    assert.equal(done.reader._internal.stage, 'final');
  }
});

test('a dropped final event leaves the action in_progress, not busy, and only once', () => {
  const faulty: Reader = {
    ...authorizing,
    _internal: { ...authorizing._internal, faults: { dropNextFinalEvent: true } },
  };
  const lost = finishAction(faulty, { status: 'succeeded' }, now);
  assert.equal(lost.reader.action?.status, 'in_progress');
  assert.deepEqual(lost.events, []);
  assert.equal(
    code(() => cancelAction(lost.reader, true, now)),
    'ok',
  );
  const again = finishAction(startAction(lost.reader, process(), true, now).reader, { status: 'succeeded' }, now);
  assert.equal(again.events.length, 1);
});

test('collect: the card is shown, action_updated, and held for 30 seconds', () => {
  const collecting = waiting({ type: 'collect_payment_method', collect_payment_method: { payment_intent: 'pi_1' } });
  const pm = { id: 'pm_1', object: 'payment_method', created: 1, livemode: false, _internal: { card: 'secret' } };
  const collected = cardCollected(collecting, { paymentIntent: 'pi_1', paymentMethod: pm, tipAmount: 0 }, now);
  assert.equal(collected.reader.action?.status, 'succeeded');
  assert.deepEqual((collected.reader.action?.['collect_payment_method'] as Record<string, unknown>)['payment_method'], {
    id: 'pm_1',
    object: 'payment_method',
    created: 1,
    livemode: false,
  });
  assert.deepEqual(
    collected.events.map((e) => e.type),
    ['terminal.reader.action_updated'],
  );
  assert.equal(collected.reader._internal.held?.expiresAtMs, now + collectedCardHoldMs);
  const canceled = cancelAction(collected.reader, true, now);
  assert.equal(canceled.released?.paymentMethod, 'pm_1');
});

test('presenting a card needs a waiting card action', () => {
  const rows: Array<[string, Reader, string]> = [
    ['idle', base, 'invalid_request_body'],
    ['waiting', waiting(), 'ok'],
    ['authorizing', authorizing, 'terminal_reader_busy'],
    ['display', waiting({ type: 'set_reader_display', set_reader_display: {} }), 'invalid_request_body'],
  ];
  for (const [name, reader, expected] of rows)
    assert.equal(
      code(() => checkWaitingForCard(reader, now)),
      expected,
      name,
    );
});

test('customer cancel only when enabled and not authorizing', () => {
  assert.equal(
    code(() => customerCancel(waiting(process('pi', { enable_customer_cancellation: true })), now)),
    'ok',
  );
  assert.equal(
    code(() => customerCancel(waiting(process('pi')), now)),
    'invalid_request_body',
  );
  assert.equal(
    code(() => customerCancel(authorizing, now)),
    'terminal_reader_busy',
  );
  const canceled = customerCancel(waiting(process('pi', { enable_customer_cancellation: true })), now);
  assert.equal(canceled.reader.action?.failure_code, 'customer_canceled');
});

test('inputs: succeed or time out only while collecting', () => {
  const collecting = waiting({ type: 'collect_inputs', collect_inputs: { inputs: [], metadata: null } });
  assert.equal(inputsCollected(collecting, [], now).reader.action?.status, 'succeeded');
  assert.equal(inputsCollected(collecting, null, now).reader.action?.status, 'failed');
  assert.equal(
    code(() => inputsCollected(base, [], now)),
    'invalid_request_body',
  );
});

test('status: the 2-minute rule', () => {
  const rows: Array<[number | null, string]> = [
    [now, 'online'],
    [now - 120_000, 'online'],
    [now - 120_001, 'offline'],
    [null, 'offline'],
  ];
  for (const [seen, status] of rows) assert.equal(readerStatusAt(seen, now), status);
});

test('carts must add up', () => {
  const item = { amount: 250, description: 'x', quantity: 2 };
  const rows: Array<[Parameters<typeof checkCart>[0], string]> = [
    [{ currency: 'eur', line_items: [item], tax: 50, total: 550 }, 'ok'],
    [{ currency: 'eur', line_items: [item], tax: null, total: 500 }, 'ok'],
    [{ currency: 'eur', line_items: [item], tax: null, total: 499 }, 'invalid_request_body'],
    [{ currency: 'eur', line_items: [], tax: null, total: 0 }, 'parameter_missing'],
    [
      {
        currency: 'eur',
        line_items: Array.from({ length: 101 }, () => ({ ...item, quantity: 1 })),
        tax: null,
        total: 25250,
      },
      'invalid_array',
    ],
  ];
  for (const [cart, expected] of rows)
    assert.equal(
      code(() => checkCart(cart)),
      expected,
    );
});

test('checkCart: exact refusals at each limit; a cart that adds up passes', () => {
  const item = { amount: 250, description: 'Tea', quantity: 2 };
  const refusal = (cart: Cart) => {
    try {
      checkCart(cart);
    } catch (error) {
      assert.ok(error instanceof ApiError);
      return { code: error.code, message: error.body.message, param: error.body.param };
    }
    return null;
  };
  assert.equal(refusal({ currency: 'usd', line_items: [item], tax: 100, total: 600 }), null);
  assert.equal(refusal({ currency: 'usd', line_items: [item], tax: null, total: 500 }), null);
  assert.deepEqual(refusal({ currency: 'usd', line_items: [], tax: null, total: 0 }), {
    code: 'parameter_missing',
    message: 'Missing required param: cart[line_items].',
    param: 'cart[line_items]',
  });
  const free = { amount: 0, description: 'Free', quantity: 1 };
  assert.equal(
    refusal({
      currency: 'usd',
      line_items: Array.from({ length: cartLineItemCountMax }, () => free),
      tax: null,
      total: 0,
    }),
    null,
  );
  assert.deepEqual(
    refusal({
      currency: 'usd',
      line_items: Array.from({ length: cartLineItemCountMax + 1 }, () => free),
      tax: null,
      total: 0,
    }),
    {
      code: 'invalid_array',
      message: 'Invalid array: cart[line_items] can have at most 100 items.',
      param: 'cart[line_items]',
    },
  );
  assert.deepEqual(refusal({ currency: 'usd', line_items: [item], tax: 100, total: 601 }), {
    code: 'invalid_request_body',
    message: 'The cart total (601) must equal the sum of line_items amount × quantity plus tax (600).',
    param: 'cart[total]',
  });
});
