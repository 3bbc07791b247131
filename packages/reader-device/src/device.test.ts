import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  idleDueAtMs,
  initialDevice,
  resultIdleMs,
  step,
  type DeviceAction,
  type DeviceInput,
  type DeviceMessage,
  type DeviceState,
  type ServerCommand,
} from './device.js';
import { FrameError, parseCustomerInput, parseDeviceFrame } from './protocol.js';

const payment = (over: Partial<DeviceAction> = {}): DeviceAction => ({
  id: 'act_1',
  type: 'process_payment_intent',
  purpose: 'payment',
  amount: 1000,
  currency: 'eur',
  cancelable: false,
  tipping: null,
  cart: null,
  inputs: null,
  ...over,
});
const cmd = (command: ServerCommand): DeviceMessage => ({ kind: 'command', command });
const touch = (input: DeviceInput): DeviceMessage => ({ kind: 'input', input });
const visa = touch({ type: 'present_card', number: '4242424242424242', read_method: 'contactless_emv', wallet: null });

function run(messages: DeviceMessage[], start: DeviceState = initialDevice({ personality: 'wisepos_e' })) {
  let state = start;
  const outgoing = [];
  let last = step(state, { kind: 'connection', online: true }, 0);
  for (const message of messages) {
    last = step(state, message, 0);
    state = last.state;
    outgoing.push(...last.outgoing);
  }
  return { state, outgoing, screen: last.screen, rejected: last.rejected };
}

describe('reader device', () => {
  const table: Array<{
    name: string;
    messages: DeviceMessage[];
    screen: string;
    events: string[];
    rejected?: boolean;
  }> = [
    { name: 'idle shows the splash', messages: [], screen: 'splash', events: [] },
    {
      name: 'an action asks for a card',
      messages: [cmd({ type: 'action', action: payment() })],
      screen: 'collect',
      events: [],
    },
    {
      name: 'a card is reported',
      messages: [cmd({ type: 'action', action: payment() }), visa],
      screen: 'processing',
      events: ['card_read'],
    },
    {
      name: 'approved',
      messages: [
        cmd({ type: 'action', action: payment() }),
        visa,
        cmd({ type: 'action_update', action_id: 'act_1', status: 'succeeded', message: null }),
      ],
      screen: 'result',
      events: ['card_read'],
    },
    {
      name: 'an update for another action is ignored',
      messages: [
        cmd({ type: 'action', action: payment() }),
        cmd({ type: 'action_update', action_id: 'act_0', status: 'failed', message: null }),
      ],
      screen: 'collect',
      events: [],
    },
    {
      name: 'tipping comes after the card',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            tipping: { options: [{ label: '10%', amount: 100 }], custom_allowed: false },
          }),
        }),
        visa,
      ],
      screen: 'tip',
      events: [],
    },
    {
      name: 'a tip is chosen, then the card is reported',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            tipping: { options: [{ label: '10%', amount: 100 }], custom_allowed: false },
          }),
        }),
        visa,
        touch({ type: 'choose_tip', amount: 100 }),
      ],
      screen: 'processing',
      events: ['tip_chosen', 'card_read'],
    },
    {
      name: 'a tip not offered is refused',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            tipping: { options: [{ label: '10%', amount: 100 }], custom_allowed: false },
          }),
        }),
        visa,
        touch({ type: 'choose_tip', amount: 77 }),
      ],
      screen: 'tip',
      events: [],
      rejected: true,
    },
    {
      name: 'amounts ending in 02 ask for a PIN',
      messages: [cmd({ type: 'action', action: payment({ amount: 1002 }) }), visa],
      screen: 'pin',
      events: [],
    },
    {
      name: 'the PIN is sent with the card',
      messages: [
        cmd({ type: 'action', action: payment({ amount: 1002 }) }),
        visa,
        touch({ type: 'enter_pin', pin: '1234' }),
      ],
      screen: 'processing',
      events: ['card_read'],
    },
    {
      name: 'cancel without a button is refused',
      messages: [cmd({ type: 'action', action: payment() }), touch({ type: 'cancel' })],
      screen: 'collect',
      events: [],
      rejected: true,
    },
    {
      name: 'cancel with a button',
      messages: [cmd({ type: 'action', action: payment({ cancelable: true }) }), touch({ type: 'cancel' })],
      screen: 'processing',
      events: ['customer_canceled'],
    },
    { name: 'a card while idle is refused', messages: [visa], screen: 'splash', events: [], rejected: true },
    {
      name: 'a cart is shown',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            id: 'act_2',
            type: 'set_reader_display',
            purpose: 'display',
            cart: {
              currency: 'eur',
              line_items: [{ amount: 100, description: 'x', quantity: 1 }],
              tax: null,
              total: 100,
            },
          }),
        }),
      ],
      screen: 'cart',
      events: ['display_shown'],
    },
    {
      name: 'confirm_payment_intent has nothing to ask',
      messages: [cmd({ type: 'action', action: payment({ type: 'confirm_payment_intent' }) })],
      screen: 'processing',
      events: [],
    },
    {
      name: 'the server cancels',
      messages: [cmd({ type: 'action', action: payment() }), cmd({ type: 'cancel' })],
      screen: 'splash',
      events: [],
    },
    {
      name: 'an inserted card is removed',
      messages: [
        cmd({ type: 'action', action: payment() }),
        touch({ type: 'present_card', number: '4242424242424242', read_method: 'contact_emv', wallet: null }),
        touch({ type: 'remove_card' }),
      ],
      screen: 'processing',
      events: ['card_read', 'card_removed'],
    },
    {
      name: 'a PIN test card asks for the PIN whatever the amount',
      messages: [
        cmd({ type: 'action', action: payment() }),
        touch({ type: 'present_card', number: '4000002760000008', read_method: 'contactless_emv', wallet: null }),
      ],
      screen: 'pin',
      events: [],
    },
    {
      name: 'offline PIN test card: PIN pad, then the card is reported with the PIN',
      messages: [
        cmd({ type: 'action', action: payment() }),
        touch({ type: 'present_card', number: '4000008260000075', read_method: 'contact_emv', wallet: null }),
        touch({ type: 'enter_pin', pin: '1234' }),
      ],
      screen: 'processing',
      events: ['card_read'],
    },
    {
      name: 'a tip, then the PIN pad for an amount ending in 02',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            amount: 1002,
            tipping: { options: [{ label: '€1.00', amount: 100 }], custom_allowed: false },
          }),
        }),
        visa,
        touch({ type: 'choose_tip', amount: 100 }),
      ],
      screen: 'pin',
      events: ['tip_chosen'],
    },
    {
      name: 'an inserted card removed after the result: back to the splash',
      messages: [
        cmd({ type: 'action', action: payment() }),
        touch({ type: 'present_card', number: '4242424242424242', read_method: 'contact_emv', wallet: null }),
        cmd({ type: 'action_update', action_id: 'act_1', status: 'succeeded', message: null }),
        touch({ type: 'remove_card' }),
      ],
      screen: 'splash',
      events: ['card_read', 'card_removed'],
    },
    {
      name: 'a tapped card has nothing to remove',
      messages: [
        cmd({ type: 'action', action: payment() }),
        visa,
        cmd({ type: 'action_update', action_id: 'act_1', status: 'succeeded', message: null }),
        touch({ type: 'remove_card' }),
      ],
      screen: 'result',
      events: ['card_read'],
      rejected: true,
    },
    {
      name: 'inputs are submitted one by one',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            type: 'collect_inputs',
            purpose: 'inputs',
            amount: null,
            inputs: [
              {
                type: 'email',
                title: 'Email',
                description: null,
                required: true,
                skip_button: null,
                submit_button: null,
              },
              {
                type: 'text',
                title: 'Note',
                description: null,
                required: false,
                skip_button: 'Skip',
                submit_button: null,
              },
            ],
          }),
        }),
        touch({ type: 'submit_input', index: 0, value: 'a@b.co', skipped: false }),
        touch({ type: 'submit_input', index: 1, value: null, skipped: true }),
      ],
      screen: 'processing',
      events: ['inputs_submitted'],
    },
    {
      name: 'a required input cannot be skipped',
      messages: [
        cmd({
          type: 'action',
          action: payment({
            type: 'collect_inputs',
            purpose: 'inputs',
            amount: null,
            inputs: [
              {
                type: 'email',
                title: 'Email',
                description: null,
                required: true,
                skip_button: null,
                submit_button: null,
              },
            ],
          }),
        }),
        touch({ type: 'submit_input', index: 0, value: null, skipped: true }),
      ],
      screen: 'inputs',
      events: [],
      rejected: true,
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const result = run(row.messages);
      assert.equal(result.screen.screen, row.screen);
      assert.deepEqual(
        result.outgoing.map((e) => e.type),
        row.events,
      );
      assert.equal(result.rejected !== null, row.rejected ?? false);
    });
  }

  it('a preset PIN and tip answer headlessly', () => {
    const start = initialDevice({ personality: 's700', presets: { pin: '1234', tip: 50 } });
    const result = run(
      [
        cmd({
          type: 'action',
          action: payment({ amount: 1003, tipping: { options: [{ label: '5%', amount: 50 }], custom_allowed: true } }),
        }),
        visa,
      ],
      start,
    );
    assert.deepEqual(result.outgoing, [
      {
        type: 'card_read',
        action_id: 'act_1',
        number: '4242424242424242',
        read_method: 'contactless_emv',
        wallet: null,
        tip_amount: 50,
        pin: '1234',
      },
    ]);
  });

  it('an offline device shows the offline screen', () => {
    assert.equal(
      step(initialDevice({ personality: 'wisepos_e' }), { kind: 'connection', online: false }, 0).screen.screen,
      'offline',
    );
  });
});

describe('frame decoding', () => {
  const bad: Array<[string, unknown]> = [
    ['not an object', 'x'],
    ['unknown type', { type: 'boom', seq: 1 }],
    ['unknown field', { type: 'heartbeat', seq: 1, extra: true }],
    ['seq zero', { type: 'heartbeat', seq: 0 }],
    [
      'raw card number too long',
      {
        type: 'event',
        seq: 2,
        event: {
          type: 'card_read',
          action_id: 'a',
          number: '4'.repeat(30),
          read_method: 'contactless_emv',
          wallet: null,
          tip_amount: 0,
          pin: null,
        },
      },
    ],
    ['bad personality', { type: 'pair', seq: 1, protocol: 'opentill-reader/1', personality: 'm2' }],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}`, () => assert.throws(() => parseDeviceFrame(value), FrameError));
  }
  it('decodes a hello', () => {
    const frame = parseDeviceFrame({
      type: 'hello',
      seq: 1,
      protocol: 'opentill-reader/1',
      account: 'acct_1',
      reader_id: 'tmr_1',
      secret: 's',
      action_id: null,
    });
    assert.equal(frame.type, 'hello');
  });
  it('checks customer inputs', () => {
    assert.deepEqual(parseCustomerInput({ type: 'cancel' }), { type: 'cancel' });
    assert.throws(() => parseCustomerInput({ type: 'enter_pin', pin: '12' }), FrameError);
    assert.throws(() => parseCustomerInput({ type: 'choose_tip', amount: -1 }), FrameError);
  });
});

describe('reader device: back to the splash after a result', () => {
  const approvedAt = (nowMs: number, start = initialDevice({ personality: 'wisepos_e' })) => {
    let state = step(start, cmd({ type: 'action', action: payment() }), nowMs - 10).state;
    state = step(state, visa, nowMs - 5).state;
    return step(state, cmd({ type: 'action_update', action_id: 'act_1', status: 'succeeded', message: null }), nowMs)
      .state;
  };

  it("the result stays until resultIdleMs has passed on the host's clock, then the splash shows", () => {
    const result = approvedAt(1_000_000);
    assert.equal(result.phase, 'result');
    assert.equal(idleDueAtMs(result), 1_000_000 + resultIdleMs);
    const early = step(result, { kind: 'tick' }, 1_000_000 + resultIdleMs - 1);
    assert.equal(early.screen.screen, 'result');
    assert.equal(early.state, result, 'nothing changes before it is due');
    const due = step(result, { kind: 'tick' }, 1_000_000 + resultIdleMs);
    assert.deepEqual(due.screen, { screen: 'splash', message: null });
    assert.equal(due.state.action, null);
    assert.deepEqual(due.outgoing, [], 'the server is not told: the action is over already');
    assert.equal(idleDueAtMs(due.state), null);
  });

  it('a test clock moved forward (a later nowMs) makes it due at once', () => {
    const result = approvedAt(5_000);
    assert.equal(step(result, { kind: 'tick' }, 5_000 + 24 * 3600 * 1000).screen.screen, 'splash');
  });

  it('an inserted card keeps the result until it is removed', () => {
    let state = step(initialDevice({ personality: 'wisepos_e' }), cmd({ type: 'action', action: payment() }), 0).state;
    state = step(
      state,
      touch({ type: 'present_card', number: '4242424242424242', read_method: 'contact_emv', wallet: null }),
      0,
    ).state;
    state = step(
      state,
      cmd({ type: 'action_update', action_id: 'act_1', status: 'failed', message: 'Declined' }),
      0,
    ).state;
    assert.equal(idleDueAtMs(state), null);
    assert.equal(step(state, { kind: 'tick' }, 10 * resultIdleMs).screen.screen, 'result');
    assert.equal(step(state, touch({ type: 'remove_card' }), 0).screen.screen, 'splash');
  });

  it('a tick on any other screen changes nothing', () => {
    const collecting = step(
      initialDevice({ personality: 'wisepos_e' }),
      cmd({ type: 'action', action: payment() }),
      0,
    ).state;
    assert.equal(step(collecting, { kind: 'tick' }, 10 * resultIdleMs).state, collecting);
  });
});
