/**
 * `opentill-reader/1` frames (see docs/reader-protocol.md) and their strict decoders. Every frame is
 * one JSON object in a WebSocket text frame. Decoders reject unknown fields, wrong types and
 * out-of-range values with a `FrameError` naming the problem; the gateway turns it into an
 * `error` frame.
 */
import type { CustomerInput, ScreenState } from '@opentill/protocol';
import {
  isPersonality,
  readMethods,
  type DeviceAction,
  type DeviceEvent,
  type Personality,
  type ServerCommand,
  type SubmittedInput,
} from './device.js';

/** Device → server. `seq` starts at 1 on every connection and grows by exactly 1 per frame. */
export type DeviceFrame =
  | {
      type: 'pair';
      seq: number;
      protocol: string;
      personality: Personality;
      serial_number: string | null;
      device_sw_version: string | null;
    }
  | {
      type: 'hello';
      seq: number;
      protocol: string;
      account: string;
      reader_id: string;
      secret: string;
      action_id: string | null;
    }
  | { type: 'heartbeat'; seq: number }
  | { type: 'ack'; seq: number; command_id: string }
  | { type: 'event'; seq: number; event: DeviceEvent }
  | { type: 'screen'; seq: number; state: ScreenState };

/** Server → device. */
export type ServerFrame =
  | { type: 'pairing'; code: string; expires_at_ms: number }
  | { type: 'paired'; account: string; reader_id: string; reader_secret: string; device_type: string }
  | {
      type: 'welcome';
      protocol: string;
      reader_id: string;
      heartbeat_interval_ms: number;
      ack_timeout_ms: number;
      offline_after_ms: number;
      message_bytes_max: number;
      server_time_ms: number;
    }
  | { type: 'command'; command_id: string; command: ServerCommand }
  | { type: 'customer_input'; input: CustomerInput }
  | { type: 'event_result'; seq: number; ok: boolean; error: { code: string; message: string } | null }
  | { type: 'error'; code: ProtocolErrorCode; message: string; fatal: boolean };

export type ProtocolErrorCode =
  | 'malformed_message'
  | 'message_too_large'
  | 'out_of_order'
  | 'replayed_message'
  | 'unsupported_protocol'
  | 'unauthenticated'
  | 'unknown_reader'
  | 'reader_revoked'
  | 'rate_limited'
  | 'pairing_expired'
  | 'stale_action'
  | 'event_rejected'
  | 'replaced_by_new_connection'
  | 'server_closing'
  | 'not_paired';

export class FrameError extends Error {
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;
const fail = (message: string): never => {
  throw new FrameError('malformed_message', message);
};

function obj(value: unknown, where: string, keys: readonly string[], optional: readonly string[] = []): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(`${where} must be an object`);
  const o = value as Obj;
  for (const key of Object.keys(o))
    if (!keys.includes(key) && !optional.includes(key)) fail(`${where}: unknown field '${key.slice(0, 40)}'`);
  for (const key of keys) if (!(key in o)) fail(`${where}: missing field '${key}'`);
  return o;
}
function str(value: unknown, where: string, max = 255, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length > max || (pattern && !pattern.test(value)))
    fail(`${where} must be a string${pattern ? ' of the right form' : ''} (≤ ${max})`);
  return value as string;
}
function nullableStr(value: unknown, where: string, max = 255): string | null {
  return value === null ? null : str(value, where, max);
}
function int(value: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    fail(`${where} must be an integer in [${min}, ${max}]`);
  return value as number;
}
function bool(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') fail(`${where} must be a boolean`);
  return value as boolean;
}
function oneOf<T extends string>(value: unknown, where: string, options: readonly T[]): T {
  if (typeof value !== 'string' || !options.includes(value as T)) fail(`${where} must be one of ${options.join(', ')}`);
  return value as T;
}

const idPattern = /^[A-Za-z0-9_]{1,100}$/;
const wallets = ['apple_pay', 'google_pay', 'samsung_pay'] as const;

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FrameError('malformed_message', 'The frame is not valid JSON.');
  }
}

export function parseDeviceEvent(value: unknown): DeviceEvent {
  const type = (value as Obj | null)?.['type'];
  switch (type) {
    case 'card_read': {
      const o = obj(value, 'event', ['type', 'action_id', 'number', 'read_method', 'wallet', 'tip_amount', 'pin']);
      return {
        type,
        action_id: str(o['action_id'], 'event.action_id', 100, idPattern),
        number: str(o['number'], 'event.number', 19, /^\d{12,19}$/),
        read_method: oneOf(o['read_method'], 'event.read_method', readMethods),
        wallet: o['wallet'] === null ? null : oneOf(o['wallet'], 'event.wallet', wallets),
        tip_amount: int(o['tip_amount'], 'event.tip_amount', 0, 99_999_999),
        pin: o['pin'] === null ? null : str(o['pin'], 'event.pin', 12, /^\d{4,12}$/),
      };
    }
    case 'tip_chosen': {
      const o = obj(value, 'event', ['type', 'action_id', 'amount']);
      return {
        type,
        action_id: str(o['action_id'], 'event.action_id', 100, idPattern),
        amount: int(o['amount'], 'event.amount', 0, 99_999_999),
      };
    }
    case 'customer_canceled':
    case 'display_shown': {
      const o = obj(value, 'event', ['type', 'action_id']);
      return { type, action_id: str(o['action_id'], 'event.action_id', 100, idPattern) };
    }
    case 'card_removed':
      obj(value, 'event', ['type']);
      return { type };
    case 'inputs_submitted': {
      const o = obj(value, 'event', ['type', 'action_id', 'inputs']);
      if (!Array.isArray(o['inputs']) || o['inputs'].length > 5) fail('event.inputs must be an array of at most 5');
      const inputs = (o['inputs'] as unknown[]).map((raw, i): SubmittedInput => {
        const input = obj(raw, `event.inputs[${i}]`, ['index', 'value', 'toggles', 'skipped']);
        const toggles = input['toggles'];
        if (toggles !== null && (!Array.isArray(toggles) || toggles.length > 3))
          fail(`event.inputs[${i}].toggles must be an array of at most 3`);
        return {
          index: int(input['index'], `event.inputs[${i}].index`, 0, 4),
          value: nullableStr(input['value'], `event.inputs[${i}].value`, 100_000),
          toggles:
            toggles === null
              ? null
              : (toggles as unknown[]).map((t, j) =>
                  oneOf(t, `event.inputs[${i}].toggles[${j}]`, ['enabled', 'disabled'] as const),
                ),
          skipped: bool(input['skipped'], `event.inputs[${i}].skipped`),
        };
      });
      return { type, action_id: str(o['action_id'], 'event.action_id', 100, idPattern), inputs };
    }
    default:
      return fail('event.type is not a known device event');
  }
}

const screens = ['splash', 'cart', 'collect', 'tip', 'pin', 'processing', 'result', 'inputs', 'offline'] as const;

export function parseDeviceFrame(value: unknown): DeviceFrame {
  const type = (value as Obj | null)?.['type'];
  const seq = (o: Obj) => int(o['seq'], 'seq', 1);
  switch (type) {
    case 'pair': {
      const o = obj(value, 'pair', ['type', 'seq', 'protocol', 'personality'], ['serial_number', 'device_sw_version']);
      if (!isPersonality(o['personality'])) fail('personality must be wisepos_e or s700');
      return {
        type,
        seq: seq(o),
        protocol: str(o['protocol'], 'protocol', 40),
        personality: o['personality'] as Personality,
        serial_number: o['serial_number'] === undefined ? null : nullableStr(o['serial_number'], 'serial_number', 64),
        device_sw_version:
          o['device_sw_version'] === undefined ? null : nullableStr(o['device_sw_version'], 'device_sw_version', 40),
      };
    }
    case 'hello': {
      const o = obj(value, 'hello', ['type', 'seq', 'protocol', 'account', 'reader_id', 'secret', 'action_id']);
      return {
        type,
        seq: seq(o),
        protocol: str(o['protocol'], 'protocol', 40),
        account: str(o['account'], 'account', 100, idPattern),
        reader_id: str(o['reader_id'], 'reader_id', 100, idPattern),
        secret: str(o['secret'], 'secret', 200),
        action_id: o['action_id'] === null ? null : str(o['action_id'], 'action_id', 100, idPattern),
      };
    }
    case 'heartbeat': {
      const o = obj(value, 'heartbeat', ['type', 'seq']);
      return { type, seq: seq(o) };
    }
    case 'ack': {
      const o = obj(value, 'ack', ['type', 'seq', 'command_id']);
      return { type, seq: seq(o), command_id: str(o['command_id'], 'command_id', 100, idPattern) };
    }
    case 'event': {
      const o = obj(value, 'event frame', ['type', 'seq', 'event']);
      return { type, seq: seq(o), event: parseDeviceEvent(o['event']) };
    }
    case 'screen': {
      const o = obj(value, 'screen frame', ['type', 'seq', 'state']);
      const state = o['state'] as Obj | null;
      if (state === null || typeof state !== 'object' || Array.isArray(state)) fail('state must be an object');
      oneOf(state!['screen'], 'state.screen', screens);
      return { type, seq: seq(o), state: state as unknown as ScreenState };
    }
    default:
      return fail('type is not a known device frame (pair, hello, heartbeat, ack, event, screen)');
  }
}

/** What a screen viewer may send: one CustomerInput, checked field by field. */
export function parseCustomerInput(value: unknown): CustomerInput {
  const type = (value as Obj | null)?.['type'];
  switch (type) {
    case 'present_card': {
      const o = obj(value, 'input', ['type', 'number', 'read_method', 'wallet']);
      return {
        type,
        number: str(o['number'], 'input.number', 19, /^\d{12,19}$/),
        read_method: oneOf(o['read_method'], 'input.read_method', readMethods),
        wallet: o['wallet'] === null ? null : oneOf(o['wallet'], 'input.wallet', wallets),
      };
    }
    case 'choose_tip': {
      const o = obj(value, 'input', ['type', 'amount']);
      return { type, amount: int(o['amount'], 'input.amount', 0, 99_999_999) };
    }
    case 'enter_pin': {
      const o = obj(value, 'input', ['type', 'pin']);
      return { type, pin: str(o['pin'], 'input.pin', 12, /^\d{4,12}$/) };
    }
    case 'cancel':
    case 'remove_card':
      obj(value, 'input', ['type']);
      return { type };
    case 'submit_input': {
      const o = obj(value, 'input', ['type', 'index', 'value', 'skipped'], ['toggles']);
      const toggles = o['toggles'];
      if (toggles !== undefined && (!Array.isArray(toggles) || toggles.length > 3))
        fail('input.toggles must be an array of at most 3');
      return {
        type,
        index: int(o['index'], 'input.index', 0, 4),
        value: nullableStr(o['value'], 'input.value', 100_000),
        skipped: bool(o['skipped'], 'input.skipped'),
        ...(toggles !== undefined
          ? {
              toggles: (toggles as unknown[]).map((t, j) =>
                oneOf(t, `input.toggles[${j}]`, ['enabled', 'disabled'] as const),
              ),
            }
          : {}),
      };
    }
    default:
      return fail('input.type is not a known customer input');
  }
}

/** Device-side decoding of server frames (trusting the server's shapes, checking the envelope). */
export function parseServerFrame(value: unknown): ServerFrame {
  const o = value as Obj | null;
  if (o === null || typeof o !== 'object' || typeof o['type'] !== 'string') fail('server frame without type');
  return o as unknown as ServerFrame;
}

export type { DeviceAction };
