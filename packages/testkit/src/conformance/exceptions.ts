/**
 * Where OpenTill's `/v1` objects knowingly differ from stripe-node's types, each with its reason.
 * Keyed by the generated structure's name and the field (`Charge.outcome`); `kind` says how it
 * differs. Nothing else may differ: the conformance check fails every test on any other missing,
 * extra or mistyped field. Keep docs/conformance.md's list in step with this one.
 */
/** missing: OpenTill leaves it out; extra: OpenTill adds it; type: any value; value: these values too. */
export type ExceptionKind = 'missing' | 'extra' | 'type' | 'value';

export interface ConformanceException {
  struct: string;
  field: string;
  kind: ExceptionKind;
  /** For `value`: the values OpenTill uses beyond the literal union. */
  values?: readonly string[];
  reason: string;
}

export const exceptions: readonly ConformanceException[] = [
  // Error codes: each struct that carries a Stripe error's `code`.
  ...[
    'Terminal.Reader.Action.ApiError',
    'PaymentIntent.LastPaymentError',
    'SetupIntent.LastSetupError',
    'SetupAttempt.SetupError',
  ].flatMap((struct) => [
    {
      struct,
      field: 'code',
      kind: 'value' as const,
      values: ['incorrect_pin'],
      reason:
        'The Terminal test amounts ending in 55 decline with the error code incorrect_pin (the physical test card table of ' +
        "the API contract); stripe-node's list of error codes (open-ended) does not name it.",
    },
    {
      struct,
      field: 'code',
      kind: 'value' as const,
      values: [
        'payment_intent_amount_reached_limit',
        'incremental_authorization_not_supported',
        'refund_invalid_state',
        'amount_too_large_for_refund',
        'terminal_location_invalid',
      ],
      reason:
        "Error codes OpenTill answers where Stripe's API reference names no code for the case (docs/decisions.md, " +
        'Conformance); stripe-node types `code` as an open-ended union (`| OtherString`): not wrong, only not listed.',
    },
    {
      struct,
      field: 'code',
      kind: 'value' as const,
      values: ['dashboard_session_invalid', 'csrf_token_invalid'],
      reason:
        "OpenTill's dashboard calls /v1 with a session cookie (docs/dashboard.md), an authentication Stripe's API does " +
        'not have; its refusals carry these codes. An API key never meets them.',
    },
    {
      struct,
      field: 'code',
      kind: 'value' as const,
      values: ['property_expansion_max_depth'],
      reason:
        "A fifth level of expand[] answers this code (docs/decisions.md, the wire audit: Stripe's code and wording); " +
        "stripe-node's open-ended list of codes does not name it.",
    },
    {
      struct,
      field: 'code',
      kind: 'value' as const,
      values: ['idempotency_error'],
      reason:
        'An Idempotency-Key reused with other parameters answers code idempotency_error beside type idempotency_error ' +
        '(docs/decisions.md, the idempotency table); stripe-node raises StripeIdempotencyError from the type.',
    },
  ]),
  {
    struct: 'EventBase',
    field: 'type',
    kind: 'value',
    values: ['opentill.webhook_endpoint.disabled'],
    reason:
      'OpenTill records an endpoint disabled after failing for a whole retry window as an event (Stripe only emails; ' +
      'docs/decisions.md); it is an OpenTill-only type, never sent to a `*` endpoint.',
  },
  // Lists embedded in an object (a transfer's reversals, an application fee's refunds).
  ...['ApiList<TransferReversal>', 'ApiList<FeeRefund>'].map((struct) => ({
    struct,
    field: 'total_count',
    kind: 'extra' as const,
    reason:
      "Stripe's embedded sublists carry total_count (its API reference's examples of a Transfer and an ApplicationFee); " +
      "stripe-node's ApiList type leaves it out.",
  })),
  // A reader action's config echoed with allow_redisplay (the Customers work).
  ...[
    'Terminal.Reader.Action.ProcessPaymentIntent.ProcessConfig',
    'Terminal.Reader.Action.CollectPaymentMethod.CollectConfig',
  ].map((struct) => ({
    struct,
    field: 'allow_redisplay',
    kind: 'extra' as const,
    reason:
      "Known difference, to remove: the request's process_config[allow_redisplay] is kept in the action's config, where the " +
      "engine reads it when the card is saved; Stripe's action does not show it. Moving it to the reader's internal state fixes it.",
  })),
  // Wi-Fi secrets of reader configurations.
  ...['Terminal.Configuration.Wifi.PersonalPsk', 'Terminal.Configuration.Wifi.EnterpriseEapPeap'].map((struct) => ({
    struct,
    field: 'password',
    kind: 'missing' as const,
    reason:
      'OpenTill never shows a Wi-Fi password it was given (Stripe echoes it): a secret is validated and dropped, not stored.',
  })),
];

const index = new Map<string, ConformanceException[]>();
for (const exception of exceptions) {
  const key = `${exception.kind} ${exception.struct}.${exception.field}`;
  index.set(key, [...(index.get(key) ?? []), exception]);
}

export function exceptionFor(struct: string, field: string, kind: ExceptionKind): ConformanceException | undefined {
  return index.get(`${kind} ${struct}.${field}`)?.[0];
}

/** The values a `value` exception allows beyond the literal union of `struct.field`. */
export function extraValuesOf(struct: string, field: string): readonly string[] {
  return (index.get(`value ${struct}.${field}`) ?? []).flatMap((exception) => exception.values ?? []);
}
