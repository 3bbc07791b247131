/** The reader state machine's results whole: errors with their exact messages, readers, actions, boundaries. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../errors.js';
import {
  actionFailures,
  allowRedisplayOf,
  authorizationRecoveryMs,
  beginAuthorization,
  buildReader,
  cancelAction,
  cardCollected,
  checkAcceptsCommand,
  checkWaitingForCard,
  collectedCardHoldMs,
  customerCancel,
  emptyInternal,
  finishAction,
  inputsCollected,
  readerActionTypes,
  readerOfflineAfterMs,
  releaseHeldCard,
  startAction,
  terminalErrors,
  type ActionRequest,
  type Reader,
} from './reader.js';

const now = 1_800_000_000_500;
const base = buildReader(
  {
    id: 'tmr_1',
    deviceType: 'simulated_wisepos_e',
    label: 'Front',
    location: 'tml_1',
    metadata: { k: 'v' },
    serialNumber: 'SN1',
    deviceSwVersion: '2.0',
    ipAddress: '10.0.0.2',
    link: 'simulated',
  },
  now,
);
const handleErrors =
  'Please reference the integration guide at https://stripe.com/docs/terminal/payments/collect-card-payment?terminal-sdk-platform=server-driven#handle-errors for details on how to handle this error.';

function refusal(fn: () => unknown): { code: string; status: number; body: Record<string, unknown> } | null {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return { code: error.code, status: error.status, body: { ...error.body } };
  }
  return null;
}

const busy = {
  code: 'terminal_reader_busy',
  status: 400,
  body: {
    type: 'invalid_request_error',
    code: 'terminal_reader_busy',
    message: `Reader is currently busy processing another request. ${handleErrors}`,
    doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-timeout',
  },
};

const waitingFor = (action: ActionRequest, reader: Reader = base) => startAction(reader, action, true, now).reader;
const processPi: ActionRequest = { type: 'process_payment_intent', process_payment_intent: { payment_intent: 'pi_1' } };

test('the reader constants', () => {
  assert.equal(readerOfflineAfterMs, 120_000);
  assert.equal(authorizationRecoveryMs, 60_000);
  assert.equal(collectedCardHoldMs, 30_000);
  assert.deepEqual(readerActionTypes, [
    'process_payment_intent',
    'collect_payment_method',
    'confirm_payment_intent',
    'process_setup_intent',
    'refund_payment',
    'set_reader_display',
    'collect_inputs',
  ]);
  assert.deepEqual(actionFailures, {
    customerCanceled: {
      code: 'customer_canceled',
      message: 'This action could not be completed due to an error on the card reader.',
    },
    connectionError: { code: 'connection_error', message: 'Could not connect to Stripe.' },
    inputCollectionTimedOut: {
      code: 'input_collection_timed_out',
      message: 'The customer did not complete the inputs in time.',
    },
  });
});

test('the terminal errors, whole', () => {
  assert.deepEqual(
    refusal(() => {
      throw terminalErrors.busy();
    }),
    busy,
  );
  assert.deepEqual(
    refusal(() => {
      throw terminalErrors.timeout();
    }),
    {
      code: 'terminal_reader_timeout',
      status: 400,
      body: {
        type: 'invalid_request_error',
        code: 'terminal_reader_timeout',
        message: `There was a timeout when sending this command to the reader. ${handleErrors}`,
        doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-timeout',
      },
    },
  );
  assert.deepEqual(
    refusal(() => {
      throw terminalErrors.offline();
    })?.body,
    {
      type: 'invalid_request_error',
      code: 'terminal_reader_offline',
      message:
        'Reader is currently offline, please ensure the reader is powered on and connected to the internet before ' +
        `retrying your request. Reference the integration guide at https://stripe.com/docs/terminal/payments/collect-card-payment?terminal-sdk-platform=server-driven#handle-errors for details on how to handle this error.`,
      doc_url: 'https://docs.stripe.com/error-codes#terminal-reader-offline',
    },
  );
  const invalidState = {
    type: 'invalid_request_error',
    code: 'intent_invalid_state',
    message: 'Payment intent must be in the requires_payment_method state to be processed by a reader.',
    doc_url: 'https://docs.stripe.com/error-codes#intent-invalid-state',
  };
  assert.deepEqual(
    refusal(() => {
      throw terminalErrors.intentInvalidState();
    })?.body,
    { ...invalidState, param: 'payment_intent' },
  );
  assert.deepEqual(
    refusal(() => {
      throw terminalErrors.intentInvalidState('setup_intent');
    })?.body,
    { ...invalidState, param: 'setup_intent' },
  );
});

test('a new reader, whole', () => {
  assert.deepEqual(base, {
    id: 'tmr_1',
    object: 'terminal.reader',
    action: null,
    created: 1_800_000_000,
    device_sw_version: '2.0',
    device_type: 'simulated_wisepos_e',
    ip_address: '10.0.0.2',
    label: 'Front',
    last_seen_at: now,
    livemode: false,
    location: 'tml_1',
    metadata: { k: 'v' },
    serial_number: 'SN1',
    status: 'online',
    _internal: {
      link: 'simulated',
      stage: 'idle',
      authorizing: null,
      held: null,
      busyUntilMs: null,
      offline: false,
      faults: {},
    },
  });
  assert.deepEqual(emptyInternal('gateway'), { ...base._internal, link: 'gateway' });
});

test('busy until: refused up to the last millisecond, accepted at it', () => {
  const until = (ms: number): Reader => ({ ...base, _internal: { ...base._internal, busyUntilMs: ms } });
  assert.deepEqual(
    refusal(() => checkAcceptsCommand(until(now + 1), true, now)),
    busy,
  );
  assert.equal(
    refusal(() => checkAcceptsCommand(until(now), true, now)),
    null,
  );
  assert.deepEqual(
    refusal(() => checkWaitingForCard(until(now + 1), now)),
    busy,
  );
  // At the boundary a card is refused only because nothing is waiting.
  assert.equal(
    refusal(() => checkWaitingForCard(waitingFor(processPi, until(now - 1)), now)),
    null,
  );
  assert.equal(
    refusal(() =>
      checkWaitingForCard(
        { ...waitingFor(processPi), _internal: { ...waitingFor(processPi)._internal, busyUntilMs: now } },
        now,
      ),
    ),
    null,
  );
});

test('start and cancel, whole', () => {
  const started = startAction({ ...base, last_seen_at: 1 }, processPi, true, now);
  assert.deepEqual(started, {
    reader: {
      ...base,
      action: {
        api_error: null,
        type: 'process_payment_intent',
        status: 'in_progress',
        failure_code: null,
        failure_message: null,
        process_payment_intent: { payment_intent: 'pi_1' },
      },
      last_seen_at: now,
      _internal: { ...base._internal, stage: 'waiting', authorizing: null },
    },
    events: [],
  });
  const held = { paymentIntent: 'pi_1', paymentMethod: 'pm_1', tipAmount: 0, expiresAtMs: now + 1 };
  const holding: Reader = { ...started.reader, last_seen_at: 1, _internal: { ...started.reader._internal, held } };
  assert.deepEqual(cancelAction(holding, true, now), {
    reader: {
      ...holding,
      action: null,
      last_seen_at: now,
      _internal: { ...holding._internal, stage: 'idle', authorizing: null, held: null },
    },
    events: [],
    released: held,
  });
});

test('presenting a card: the exact refusal, for each reason', () => {
  const notWaiting = {
    code: 'invalid_request_body',
    status: 400,
    body: {
      type: 'invalid_request_error',
      message:
        'Reader tmr_1 is not waiting for a payment method: it has no in-progress action of type ' +
        'process_payment_intent, collect_payment_method, process_setup_intent, refund_payment.',
      param: 'reader',
    },
  };
  const waiting = waitingFor(processPi);
  const rows: Array<[string, Reader]> = [
    ['no action', base],
    ['display', waitingFor({ type: 'set_reader_display', set_reader_display: {} })],
    ['confirm', waitingFor({ type: 'confirm_payment_intent', confirm_payment_intent: {} })],
    ['not in progress', { ...waiting, action: { ...(waiting.action as Reader['action'] & object), status: 'failed' } }],
    ['final stage', { ...waiting, _internal: { ...waiting._internal, stage: 'final' } }],
  ];
  for (const [name, reader] of rows) {
    assert.deepEqual(
      refusal(() => checkWaitingForCard(reader, now)),
      notWaiting,
      name,
    );
  }
  for (const type of ['collect_payment_method', 'process_setup_intent', 'refund_payment'] as const) {
    const reader = waitingFor({ type, [type]: {} });
    assert.equal(checkWaitingForCard(reader, now), reader.action, type);
  }
});

test('an authorization begins: due after the latency; claimed at once only with no latency', () => {
  const waiting = { ...waitingFor(processPi), last_seen_at: 1 };
  const card = { paymentMethod: 'pm_1', tipAmount: 50, allowRedisplay: 'always' };
  assert.deepEqual(beginAuthorization(waiting, card, 0, now), {
    reader: {
      ...waiting,
      last_seen_at: now,
      _internal: {
        ...waiting._internal,
        stage: 'authorizing',
        authorizing: { ...card, dueMs: now, claimedAtMs: now },
      },
    },
    events: [],
  });
  assert.deepEqual(beginAuthorization(waiting, card, 1, now).reader._internal.authorizing, {
    ...card,
    dueMs: now + 1,
    claimedAtMs: null,
  });
});

test('finishing: succeeded and failed actions whole, their details merged, api_error only when given', () => {
  const waiting = waitingFor({ type: 'refund_payment', refund_payment: { charge: 'ch_1', amount: 5 } });
  const authorizing = {
    ...waiting,
    last_seen_at: 1,
    _internal: {
      ...waiting._internal,
      stage: 'authorizing' as const,
      authorizing: { paymentMethod: 'pm', tipAmount: 0, dueMs: now },
    },
  };
  const succeeded = finishAction(authorizing, { status: 'succeeded', details: { refund: 're_1' } }, now);
  const succeededReader = {
    ...authorizing,
    action: {
      ...authorizing.action,
      status: 'succeeded',
      failure_code: null,
      failure_message: null,
      refund_payment: { charge: 'ch_1', amount: 5, refund: 're_1' },
    },
    last_seen_at: now,
    _internal: { ...authorizing._internal, authorizing: null, stage: 'final' },
  };
  assert.deepEqual(succeeded, {
    reader: succeededReader,
    events: [{ type: 'terminal.reader.action_succeeded', object: succeededReader }],
  });
  const failed = finishAction(
    authorizing,
    { status: 'failed', code: 'card_declined', message: 'Declined.', apiError: { code: 'card_declined' } },
    now,
  );
  const failedReader = {
    ...authorizing,
    action: {
      ...authorizing.action,
      status: 'failed',
      failure_code: 'card_declined',
      failure_message: 'Declined.',
      refund_payment: { charge: 'ch_1', amount: 5 },
      api_error: { code: 'card_declined' },
    },
    last_seen_at: now,
    _internal: { ...authorizing._internal, authorizing: null, stage: 'final' },
  };
  assert.deepEqual(failed, {
    reader: failedReader,
    events: [{ type: 'terminal.reader.action_failed', object: failedReader }],
  });
  // Without apiError the action's api_error stays what it was (null).
  assert.equal(
    finishAction(authorizing, { status: 'failed', code: 'x', message: 'm' }, now).reader.action?.['api_error'],
    null,
  );
  // No action: nothing changes.
  assert.deepEqual(finishAction(base, { status: 'succeeded' }, now), { reader: base, events: [] });
  // collect_payment_method succeeds without an event of its own; set_reader_display never has one.
  assert.deepEqual(
    finishAction(
      waitingFor({ type: 'collect_payment_method', collect_payment_method: {} }),
      { status: 'succeeded' },
      now,
    ).events,
    [],
  );
  assert.deepEqual(
    finishAction(waitingFor({ type: 'set_reader_display', set_reader_display: {} }), { status: 'succeeded' }, now)
      .events,
    [],
  );
  for (const type of ['process_setup_intent', 'collect_inputs', 'confirm_payment_intent'] as const) {
    const reader = waitingFor({ type, [type]: {} });
    assert.deepEqual(
      finishAction(reader, { status: 'succeeded' }, now).events.map((e) => e.type),
      ['terminal.reader.action_succeeded'],
      type,
    );
    assert.deepEqual(
      finishAction(reader, { status: 'failed', code: 'c', message: 'm' }, now).events.map((e) => e.type),
      ['terminal.reader.action_failed'],
      type,
    );
  }
});

test('a dropped final event, whole: stage lost, the fault spent, the action untouched', () => {
  const waiting = waitingFor(processPi);
  const faulty: Reader = {
    ...waiting,
    last_seen_at: 1,
    _internal: { ...waiting._internal, faults: { dropNextFinalEvent: true, authorizationLatencyMs: 7 } },
  };
  assert.deepEqual(finishAction(faulty, { status: 'succeeded' }, now), {
    reader: {
      ...faulty,
      last_seen_at: now,
      _internal: {
        ...faulty._internal,
        authorizing: null,
        stage: 'lost',
        faults: { dropNextFinalEvent: false, authorizationLatencyMs: 7 },
      },
    },
    events: [],
  });
});

test('a collected card, whole, with the allow_redisplay its config chose', () => {
  const collecting = waitingFor({
    type: 'collect_payment_method',
    collect_payment_method: { payment_intent: 'pi_1', collect_config: { allow_redisplay: 'limited' } },
  });
  const pm = { id: 'pm_1', object: 'payment_method', created: 1, livemode: false, _internal: { card: 'secret' } };
  const { reader, events } = cardCollected(
    { ...collecting, last_seen_at: 1 },
    { paymentIntent: 'pi_1', paymentMethod: pm, tipAmount: 25 },
    now,
  );
  const expected = {
    ...collecting,
    action: {
      ...collecting.action,
      status: 'succeeded',
      collect_payment_method: {
        payment_intent: 'pi_1',
        collect_config: { allow_redisplay: 'limited' },
        payment_method: { id: 'pm_1', object: 'payment_method', created: 1, livemode: false },
      },
    },
    last_seen_at: now,
    _internal: {
      ...collecting._internal,
      stage: 'final',
      authorizing: null,
      held: {
        paymentIntent: 'pi_1',
        paymentMethod: 'pm_1',
        tipAmount: 25,
        expiresAtMs: now + 30_000,
        allowRedisplay: 'limited',
      },
    },
  };
  assert.deepEqual(reader, expected);
  assert.deepEqual(events, [{ type: 'terminal.reader.action_updated', object: expected }]);
  assert.throws(
    () => cardCollected(base, { paymentIntent: 'pi_1', paymentMethod: pm, tipAmount: 0 }, now),
    new Error('expected the reader action that collected the card, found null'),
  );
  assert.deepEqual(releaseHeldCard(reader), { ...reader, _internal: { ...reader._internal, held: null } });
  assert.deepEqual(allowRedisplayOf({ allow_redisplay: 'always' }), { allowRedisplay: 'always' });
  assert.deepEqual(allowRedisplayOf({ allow_redisplay: 1 }), {});
  assert.deepEqual(allowRedisplayOf(undefined), {});
});

test('customer cancel: each config that enables it, the exact refusals', () => {
  const rows: ActionRequest[] = [
    {
      type: 'process_payment_intent',
      process_payment_intent: { process_config: { enable_customer_cancellation: true } },
    },
    {
      type: 'collect_payment_method',
      collect_payment_method: { collect_config: { enable_customer_cancellation: true } },
    },
    { type: 'refund_payment', refund_payment: { refund_payment_config: { enable_customer_cancellation: true } } },
  ];
  for (const action of rows) {
    const reader = waitingFor(action);
    assert.deepEqual(
      customerCancel(reader, now),
      finishAction(
        reader,
        {
          status: 'failed',
          code: 'customer_canceled',
          message: 'This action could not be completed due to an error on the card reader.',
        },
        now,
      ),
      action.type,
    );
  }
  const noButton = refusal(() =>
    customerCancel(
      waitingFor({
        type: 'refund_payment',
        refund_payment: { refund_payment_config: { enable_customer_cancellation: 'true' } },
      }),
      now,
    ),
  );
  assert.deepEqual(noButton?.body, {
    type: 'invalid_request_error',
    message: 'The reader shows no cancel button: the refund_payment action did not set enable_customer_cancellation.',
  });
  assert.deepEqual(
    refusal(() => customerCancel(waitingFor({ type: 'set_reader_display', set_reader_display: {} }), now))?.body[
      'message'
    ],
    'The reader shows no cancel button: the set_reader_display action did not set enable_customer_cancellation.',
  );
  const nothing = { type: 'invalid_request_error', message: 'Reader tmr_1 has no in-progress action to cancel.' };
  const enabled = waitingFor(rows[0] as ActionRequest);
  assert.deepEqual(refusal(() => customerCancel(base, now))?.body, nothing);
  assert.deepEqual(
    refusal(() =>
      customerCancel(
        { ...enabled, action: { ...(enabled.action as NonNullable<Reader['action']>), status: 'succeeded' } },
        now,
      ),
    )?.body,
    nothing,
  );
  assert.deepEqual(
    refusal(() => customerCancel({ ...enabled, _internal: { ...enabled._internal, stage: 'lost' } }, now))?.body,
    nothing,
  );
  assert.deepEqual(
    refusal(() => customerCancel({ ...enabled, _internal: { ...enabled._internal, stage: 'authorizing' } }, now)),
    busy,
  );
});

test('inputs: submitted or timed out whole; the exact refusal otherwise', () => {
  const collecting = waitingFor({ type: 'collect_inputs', collect_inputs: { inputs: [{ type: 'text' }] } });
  const values = [{ type: 'text', text: { value: 'hi' } }];
  assert.deepEqual(
    inputsCollected(collecting, values, now),
    finishAction(collecting, { status: 'succeeded', details: { inputs: values } }, now),
  );
  assert.deepEqual(inputsCollected(collecting, values, now).reader.action?.['collect_inputs'], { inputs: values });
  assert.deepEqual(
    inputsCollected(collecting, null, now),
    finishAction(
      collecting,
      {
        status: 'failed',
        code: 'input_collection_timed_out',
        message: 'The customer did not complete the inputs in time.',
      },
      now,
    ),
  );
  const notCollecting = { type: 'invalid_request_error', message: 'Reader tmr_1 is not collecting inputs.' };
  assert.deepEqual(refusal(() => inputsCollected(base, [], now))?.body, notCollecting);
  assert.deepEqual(refusal(() => inputsCollected(waitingFor(processPi), [], now))?.body, notCollecting);
  assert.deepEqual(
    refusal(() =>
      inputsCollected(
        { ...collecting, action: { ...(collecting.action as NonNullable<Reader['action']>), status: 'failed' } },
        [],
        now,
      ),
    )?.body,
    notCollecting,
  );
  assert.deepEqual(
    refusal(() => inputsCollected({ ...collecting, _internal: { ...collecting._internal, stage: 'final' } }, [], now))
      ?.body,
    notCollecting,
  );
});
