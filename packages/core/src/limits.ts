/**
 * Every limit OpenTill enforces, in one place. Named `<noun><Unit>Max` so call sites read as prose.
 * Stripe's own limits are copied exactly where Stripe documents them; the rest are our choices and
 * say why.
 */
export const limits = {
  /** Stripe: "At most 8 digits (e.g. 99999999)". */
  amountMax: 99_999_999,
  /** Request bodies: Stripe's largest realistic Terminal request is a few KiB; 1 MiB is generous. */
  bodyBytesMax: 1024 * 1024,
  /** Bracket nesting of form keys; Stripe's deepest Terminal param is 5 (`inputs[0][selection][choices][0][id]`). */
  formDepthMax: 8,
  /** Distinct form parameters per request: bounds decoder work. */
  formParameterCountMax: 1000,
  /** Highest array index accepted in `a[N]=` form keys: beyond it is not an array but an attack. */
  formArrayIndexMax: 999,
  /** Stripe metadata: 50 keys, key ≤ 40 chars, value ≤ 500 chars. */
  metadataKeyCountMax: 50,
  metadataKeyLengthMax: 40,
  metadataValueLengthMax: 500,
  /** Stripe list `limit` is 1–100, default 10. */
  listLimitMax: 100,
  listLimitDefault: 10,
  /**
   * Readers looked at by one `GET /v1/terminal/readers?status=…` (status is presence, known only at
   * read time, so it is filtered after the store): beyond this the page ends with `has_more: true`.
   */
  readerStatusScanMax: 5000,
  /**
   * Events looked at by one `GET /v1/events?delivery_success=…` (delivery is in the outbox, not on
   * the event, so it is filtered after the store, one outbox query per 100 events): beyond this the
   * page ends with `has_more: true`, possibly short. 5000 = 50 store pages, a bounded request.
   */
  eventDeliveryScanMax: 5000,
  /** Stripe: "can be up to 255 characters". */
  idempotencyKeyLengthMax: 255,
  /** Stripe keeps keys for at least 24 hours. */
  idempotencyRetentionMs: 24 * 60 * 60 * 1000,
  /**
   * An in-flight idempotency key whose request died (process crash) is taken over after this: longer
   * than any request may run, so a live request is never raced.
   */
  idempotencyLockMs: 60 * 1000,
  /** Stripe: events are retrievable for 30 days. */
  eventRetentionMs: 30 * 24 * 60 * 60 * 1000,
  /** Stripe: at most 10 incremental authorization attempts per PaymentIntent, declines included. */
  incrementalAuthorizationCountMax: 10,
  /** Overcapture (on-receipt tips): up to 50% of the authorized amount or 50 USD, whichever is greater. */
  overcapturePercentMax: 50,
  overcaptureFlatMinorMax: 5000,
  /** Stripe string params: descriptions are ≤ 1000 chars; statement descriptors ≤ 22. */
  descriptionLengthMax: 1000,
  statementDescriptorLengthMax: 22,
  /** Optimistic-concurrency retries for one command before answering `lock_timeout`. */
  commitRetryCountMax: 8,
  /** `types` filter of /v1/events. */
  eventTypesFilterCountMax: 20,
  /** `expand[]` entries per request, and their depth (Stripe allows 4 levels). */
  expandCountMax: 20,
  expandDepthMax: 4,
  /** Payment method types on one PaymentIntent. */
  paymentMethodTypeCountMax: 10,
  /**
   * Reader protocol (opentill-reader/1) frames: the largest legitimate frame is a collect_inputs
   * action or a signature data URL; 64 KiB leaves room and bounds what a device can make us parse.
   */
  readerMessageBytesMax: 64 * 1024,
  /** Frames per second a device (or screen viewer) may send, sustained; more closes the connection. */
  readerMessagesPerSecondMax: 50,
  /** Frames a device may send at once before the sustained rate applies. */
  readerMessageBurstMax: 100,
  /** `opentill serve --fixtures`: objects of one kind in a fixtures file (each fits one list page when matched at start). */
  fixtureObjectsMax: 100,
  /** `opentill serve --fixtures`: size of the file. */
  fixtureFileBytesMax: 1024 * 1024,
} as const;

// Relations between limits, checked at start-up (assertions, not documentation).
if (limits.listLimitDefault > limits.listLimitMax) throw new Error('listLimitDefault > listLimitMax');
if (limits.formArrayIndexMax >= limits.formParameterCountMax) {
  throw new Error('formArrayIndexMax must stay below formParameterCountMax');
}
if (limits.fixtureObjectsMax > limits.listLimitMax) throw new Error('fixtureObjectsMax > listLimitMax');
