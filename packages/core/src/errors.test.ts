/** The error table (status, type, idempotency storage, code on the wire) and the bodies it renders. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, errorCodes, errors, isApiError, type ErrorCode } from './errors.js';

const spec = (code: ErrorCode) => {
  const error = new ApiError(code, 'm');
  return [error.status, error.body.type, error.storedForIdempotency, 'code' in error.body] as const;
};

describe('the error table', () => {
  it('validation errors: 400, invalid_request_error, never stored for idempotency; the codeless ones send no code', () => {
    for (const code of [
      'parameter_missing',
      'parameter_unknown',
      'parameter_invalid_integer',
      'amount_too_small',
      'url_invalid',
    ] as const) {
      assert.deepEqual(spec(code), [400, 'invalid_request_error', false, true], code);
    }
    for (const code of ['invalid_request_body', 'invalid_boolean', 'invalid_currency', 'test_mode_only'] as const) {
      assert.deepEqual(spec(code), [400, 'invalid_request_error', false, false], code);
    }
    assert.deepEqual(spec('route_unknown'), [404, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('method_not_allowed'), [405, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('payload_too_large'), [413, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('unsupported_media_type'), [415, 'invalid_request_error', false, false]);
  });

  it('state errors are stored for idempotency (a retry answers the same); resource_missing is a 404', () => {
    assert.deepEqual(spec('resource_missing'), [404, 'invalid_request_error', true, true]);
    for (const code of [
      'payment_intent_unexpected_state',
      'setup_intent_unexpected_state',
      'charge_already_captured',
      'terminal_reader_busy',
    ] as const) {
      assert.deepEqual(spec(code), [400, 'invalid_request_error', true, true], code);
    }
  });

  it('card errors: 402 card_error, stored', () => {
    for (const code of ['card_declined', 'expired_card', 'incorrect_pin', 'processing_error'] as const) {
      assert.deepEqual(spec(code), [402, 'card_error', true, true], code);
    }
  });

  it('authentication, idempotency, rate and platform errors', () => {
    assert.deepEqual(spec('secret_key_required'), [401, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('api_key_invalid'), [401, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('api_key_missing'), [401, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('permission_denied'), [403, 'invalid_request_error', false, false]);
    assert.deepEqual(spec('idempotency_key_in_use'), [409, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('idempotency_error'), [400, 'idempotency_error', false, true]);
    assert.deepEqual(spec('rate_limit'), [429, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('lock_timeout'), [429, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('dashboard_session_invalid'), [401, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('csrf_token_invalid'), [403, 'invalid_request_error', false, true]);
    assert.deepEqual(spec('api_error'), [500, 'api_error', true, false]);
    assert.equal(Object.keys(errorCodes).includes('api_error'), true);
  });
});

describe('ApiError', () => {
  it("renders Stripe's body: code, doc_url with dashes, message, type, then the extra fields; keeps headers", () => {
    const error = new ApiError(
      'payment_intent_unexpected_state',
      'msg',
      { param: 'amount' },
      { 'Stripe-Should-Retry': 'false' },
    );
    assert.ok(error instanceof Error);
    assert.equal(error.message, 'msg');
    assert.equal(error.code, 'payment_intent_unexpected_state');
    assert.deepEqual(error.body, {
      code: 'payment_intent_unexpected_state',
      doc_url: 'https://stripe.com/docs/error-codes/payment-intent-unexpected-state',
      message: 'msg',
      type: 'invalid_request_error',
      param: 'amount',
    });
    assert.deepEqual(Object.keys(error.body), ['code', 'doc_url', 'message', 'type', 'param']);
    assert.deepEqual(error.headers, { 'Stripe-Should-Retry': 'false' });
    assert.deepEqual(new ApiError('invalid_boolean', 'Invalid boolean: x').body, {
      message: 'Invalid boolean: x',
      type: 'invalid_request_error',
    });
    assert.deepEqual(new ApiError('card_declined', 'd').headers, {});
  });

  it('isApiError tells ApiErrors from other values', () => {
    assert.equal(isApiError(new ApiError('api_error', 'x')), true);
    assert.equal(isApiError(new Error('x')), false);
    assert.equal(isApiError({ code: 'api_error' }), false);
  });
});

describe("errors (Stripe's exact wording)", () => {
  it('builds each error with its code, message and param', () => {
    const check = (error: ApiError, code: string, message: string, param: string) => {
      assert.equal(error.code, code);
      assert.equal(error.message, message);
      assert.equal(error.body.param, param);
    };
    check(errors.parameterMissing('amount'), 'parameter_missing', 'Missing required param: amount.', 'amount');
    check(errors.parameterUnknown('foo'), 'parameter_unknown', 'Received unknown parameter: foo', 'foo');
    check(
      errors.parameterInvalidInteger('amount', 'abc'),
      'parameter_invalid_integer',
      'Invalid integer: abc',
      'amount',
    );
    check(
      errors.parameterInvalidEmpty('currency'),
      'parameter_invalid_empty',
      "You passed an empty string for 'currency'. We assume empty values are an attempt to unset a parameter; however 'currency' " +
        "cannot be unset. You should remove 'currency' from your request or supply a non-empty value.",
      'currency',
    );
    check(errors.invalid('metadata', 'Invalid hash'), 'invalid_request_body', 'Invalid hash', 'metadata');
    check(errors.resourceMissing('payment_intent', 'pi_1'), 'resource_missing', "No such payment_intent: 'pi_1'", 'id');
    check(errors.resourceMissing('refund', 're_1', 'refund'), 'resource_missing', "No such refund: 're_1'", 'refund');
  });
});
