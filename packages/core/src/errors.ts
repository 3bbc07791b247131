/**
 * Every error OpenTill can answer, as one table from error code to Stripe's HTTP status and error
 * type. Domain code returns these as values (`Rejection`); the HTTP edge renders them with
 * `{"error": {...}}`. Messages copy Stripe's wording wherever Stripe's is known.
 */

export type StripeErrorType =
  | 'api_error'
  | 'card_error'
  | 'idempotency_error'
  | 'invalid_request_error'
  | 'authentication_error'
  | 'rate_limit_error';

interface CodeSpec {
  status: number;
  type: StripeErrorType;
  /** Whether a request failing with it is stored under its idempotency key (validation is not). */
  storedForIdempotency: boolean;
  /** False for our internal names of errors that Stripe answers without a `code`. */
  wire?: false;
}

const invalid = (status = 400, stored = true): CodeSpec => ({
  status,
  type: 'invalid_request_error',
  storedForIdempotency: stored,
});
const validation = (): CodeSpec => invalid(400, false);
/** A validation error that Stripe sends without `code` (e.g. "Invalid boolean: x"). */
const codeless = (status = 400): CodeSpec => ({ ...invalid(status, false), wire: false });
const card = (): CodeSpec => ({ status: 402, type: 'card_error', storedForIdempotency: true });

/** The table. Adding a code here is the only way to make it answerable. */
export const errorCodes = {
  // Parameter validation (never stored for idempotency: the client may fix and retry the same key).
  parameter_missing: validation(),
  parameter_unknown: validation(),
  parameter_invalid_integer: validation(),
  parameter_invalid_string_blank: validation(),
  parameter_invalid_string_empty: validation(),
  parameter_invalid_empty: validation(),
  parameters_exclusive: validation(),
  invalid_request_body: codeless(),
  invalid_string_length: codeless(),
  invalid_enum_value: codeless(),
  invalid_boolean: codeless(),
  invalid_array: codeless(),
  invalid_object: codeless(),
  amount_too_small: validation(),
  amount_too_large: validation(),
  invalid_currency: codeless(),
  invalid_metadata: codeless(),
  url_invalid: validation(),
  property_expansion_max_depth: validation(),
  email_invalid: validation(),
  // Resources and state.
  resource_missing: invalid(404),
  payment_intent_unexpected_state: invalid(),
  payment_intent_invalid_parameter: invalid(),
  payment_intent_incompatible_payment_method: invalid(),
  payment_intent_amount_reached_limit: invalid(),
  setup_intent_unexpected_state: invalid(),
  payment_method_unexpected_state: invalid(),
  payment_method_invalid_parameter: invalid(),
  intent_invalid_state: invalid(),
  charge_already_captured: invalid(),
  charge_already_refunded: invalid(),
  charge_expired_for_capture: invalid(),
  refund_invalid_state: invalid(),
  amount_too_large_for_refund: invalid(),
  incremental_authorization_not_supported: invalid(),
  terminal_reader_busy: invalid(),
  terminal_reader_timeout: invalid(),
  terminal_reader_offline: invalid(),
  terminal_location_invalid: invalid(),
  livemode_mismatch: invalid(),
  secret_key_required: { status: 401, type: 'invalid_request_error', storedForIdempotency: false },
  // Idempotency.
  idempotency_key_in_use: { status: 409, type: 'invalid_request_error', storedForIdempotency: false },
  idempotency_error: { status: 400, type: 'idempotency_error', storedForIdempotency: false },
  // Card errors (402).
  card_declined: card(),
  expired_card: card(),
  incorrect_pin: card(),
  incorrect_number: card(),
  invalid_number: card(),
  processing_error: card(),
  // Authentication and platform.
  api_key_invalid: { status: 401, type: 'invalid_request_error', storedForIdempotency: false, wire: false },
  api_key_missing: { status: 401, type: 'invalid_request_error', storedForIdempotency: false, wire: false },
  // Connect: a `Stripe-Account` the key may not act as (Stripe answers 403 with this code).
  account_invalid: { status: 403, type: 'invalid_request_error', storedForIdempotency: false },
  permission_denied: { status: 403, type: 'invalid_request_error', storedForIdempotency: false, wire: false },
  rate_limit: { status: 429, type: 'invalid_request_error', storedForIdempotency: false },
  // The dashboard's cookie session (OpenTill-only): no or an ended session, a mutation without its CSRF token.
  dashboard_session_invalid: { status: 401, type: 'invalid_request_error', storedForIdempotency: false },
  csrf_token_invalid: { status: 403, type: 'invalid_request_error', storedForIdempotency: false },
  lock_timeout: { status: 429, type: 'invalid_request_error', storedForIdempotency: false },
  test_mode_only: codeless(),
  route_unknown: codeless(404),
  method_not_allowed: codeless(405),
  payload_too_large: codeless(413),
  unsupported_media_type: codeless(415),
  api_error: { status: 500, type: 'api_error', storedForIdempotency: true, wire: false },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof errorCodes;

/** The wire body of an error (`{"error": StripeErrorBody}`), with Stripe's field names. */
export interface StripeErrorBody {
  type: StripeErrorType;
  code?: string;
  message: string;
  param?: string;
  decline_code?: string;
  doc_url?: string;
  payment_intent?: unknown;
  setup_intent?: unknown;
  payment_method?: unknown;
  charge?: string;
  advice_code?: string;
  request_log_url?: string;
}

/**
 * A rejection: an operating error returned by validation or a domain decision. Thrown only across
 * the HTTP edge, where one handler renders it.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly storedForIdempotency: boolean;
  readonly body: StripeErrorBody;
  /** Extra response headers (e.g. `Stripe-Should-Retry`). */
  readonly headers: Record<string, string>;

  /** `status`: overrides the table's, where Stripe answers one code with two statuses (see `missingInParam`). */
  constructor(
    code: ErrorCode,
    message: string,
    extra: Partial<StripeErrorBody> = {},
    headers: Record<string, string> = {},
    status?: number,
  ) {
    super(message);
    const spec: CodeSpec = errorCodes[code];
    this.status = status ?? spec.status;
    this.storedForIdempotency = spec.storedForIdempotency;
    this.headers = headers;
    this.code = code;
    this.body = {
      ...(spec.wire === false
        ? {}
        : {
            code,
            doc_url: `https://stripe.com/docs/error-codes/${code.replaceAll('_', '-')}`,
          }),
      message,
      type: spec.type,
      ...extra,
    };
  }
}

/** Constructors for the errors raised from many places, with Stripe's exact wording. */
export const errors = {
  parameterMissing: (param: string) =>
    new ApiError('parameter_missing', `Missing required param: ${param}.`, { param }),
  parameterUnknown: (param: string) =>
    new ApiError('parameter_unknown', `Received unknown parameter: ${param}`, { param }),
  parameterInvalidInteger: (param: string, value: string) =>
    new ApiError('parameter_invalid_integer', `Invalid integer: ${value}`, { param }),
  parameterInvalidEmpty: (param: string) =>
    new ApiError(
      'parameter_invalid_empty',
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; ` +
        `however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      { param },
    ),
  /** A value of the wrong shape: Stripe answers these without a `code`. */
  invalid: (param: string, message: string) => new ApiError('invalid_request_body', message, { param }),
  resourceMissing: (objectName: string, id: string, param = 'id') =>
    new ApiError('resource_missing', `No such ${objectName}: '${id}'`, { param }),
  /**
   * An id given in a request parameter (not in the URL) that names nothing: Stripe answers 400,
   * keeping 404 for the object the URL names.
   */
  missingInParam: (objectName: string, id: string, param: string) =>
    new ApiError('resource_missing', `No such ${objectName}: '${id}'`, { param }, {}, 400),
} as const;

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}
