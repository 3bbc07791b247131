/** The conformance check finds missing, extra and mistyped fields, in objects, lists and errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkResponseBody } from './validate.js';
import { exceptions } from './exceptions.js';
import { loadShapes } from './shapes.js';

const location = {
  id: 'tml_1',
  object: 'terminal.location',
  address: { city: null, country: 'US', line1: null, line2: null, postal_code: null, state: null },
  display_name: 'Shop',
  livemode: false,
  metadata: {},
};
const reader = {
  id: 'tmr_1',
  object: 'terminal.reader',
  action: null,
  device_sw_version: null,
  device_type: 'simulated_wisepos_e',
  ip_address: null,
  label: 'Till',
  last_seen_at: null,
  livemode: false,
  location: 'tml_1',
  metadata: {},
  serial_number: 'SN1',
  status: 'online',
};
const at = (body: unknown, status = 200) =>
  checkResponseBody(body, status).map((violation) => `${violation.at}: ${violation.message}`);

describe('checkResponseBody', () => {
  it('accepts objects as Stripe types them, expanded or not, and lists of them', () => {
    assert.deepEqual(at(location), []);
    assert.deepEqual(at(reader), []);
    assert.deepEqual(at({ ...reader, location }), []);
    assert.deepEqual(
      at({ object: 'list', data: [reader, { ...reader, location }], has_more: false, url: '/v1/terminal/readers' }),
      [],
    );
    assert.deepEqual(
      at({
        id: 'tmr_1',
        object: 'terminal.reader',
        deleted: true,
        device_type: 'simulated_wisepos_e',
        serial_number: 'SN1',
      }),
      [],
    );
  });

  it('finds a missing field, an extra field, a wrong type and a value outside a literal union', () => {
    const { ip_address: _dropped, ...withoutIp } = reader;
    assert.deepEqual(at(withoutIp), ['$.ip_address: missing (Terminal.Reader.ip_address is not optional)']);
    assert.deepEqual(at({ ...reader, colour: 'red' }), ['$.colour: not a field of Terminal.Reader']);
    assert.match(at({ ...reader, label: null })[0]!, /^\$\.label: null, but it is string/);
    assert.match(
      at({ ...reader, status: 'asleep' })[0]!,
      /^\$\.status: "asleep", but it is null \| "offline" \| "online"/,
    );
    assert.match(at({ ...reader, location: { ...location, object: 'terminal.reader' } })[0]!, /^\$\.location/);
    assert.match(at({ ...reader, deleted: false })[0]!, /deleted is never present/);
  });

  it('looks inside lists, nested structures and expanded objects', () => {
    const list = {
      object: 'list',
      data: [reader, { ...reader, location: { ...location, display_name: 3 } }],
      has_more: false,
      url: '/v1/terminal/readers',
    };
    assert.match(at(list)[0]!, /^\$\.data\[1\]\.location\.display_name: 3, but it is string/);
    assert.deepEqual(at({ ...list, data: [reader], total: 2 }), ['$.total: not a field of a list']);
    const action = {
      api_error: null,
      failure_code: null,
      failure_message: null,
      status: 'in_progress',
      type: 'process_payment_intent',
      process_payment_intent: { payment_intent: 'pi_1', tip: 3 },
    };
    assert.deepEqual(at({ ...reader, action }), [
      '$.action.process_payment_intent.tip: not a field of Terminal.Reader.Action.ProcessPaymentIntent',
    ]);
  });

  it("checks errors against Stripe's error object", () => {
    assert.deepEqual(
      at(
        { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such reader', param: 'id' } },
        404,
      ),
      [],
    );
    assert.deepEqual(at({ error: { type: 'invalid_request_error', message: 'x', hint: 'y' } }, 400), [
      '$.error.hint: not a field of Terminal.Reader.Action.ApiError',
    ]);
    assert.deepEqual(at({ error: { message: 'x' } }, 400), [
      '$.error.type: missing (Terminal.Reader.Action.ApiError.type is not optional)',
    ]);
    assert.deepEqual(at({ error: { type: 'api_error', message: 'x' }, extra: 1 }, 500), [
      '$: unexpected member extra beside error',
    ]);
  });

  it('accepts a documented subset when told so, still checking what is there', () => {
    const { ip_address: _dropped, ...withoutIp } = reader;
    assert.deepEqual(checkResponseBody(withoutIp, 200, undefined, { partial: true }), []);
    assert.equal(checkResponseBody({ ...withoutIp, label: 3 }, 200, undefined, { partial: true }).length, 1);
  });

  it('names an object type it does not know', () => {
    assert.match(at({ id: 'x', object: 'invoice' })[0]!, /object type invoice is not one OpenTill serves/);
  });

  it('has a reason for every exception, each naming a field the types know', () => {
    const shapes = loadShapes();
    for (const exception of exceptions) {
      assert.ok(exception.reason.length > 20, `${exception.struct}.${exception.field}`);
      const struct = shapes.types[exception.struct];
      assert.ok(struct, `no structure ${exception.struct}`);
      assert.equal(
        exception.field in struct.fields,
        exception.kind !== 'extra',
        `${exception.kind} ${exception.struct}.${exception.field}`,
      );
    }
  });
});
