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
  /**
   * A client must send its request headers within this (from connecting, or from the end of the
   * previous request on a kept-alive connection), and its whole request, body included, within
   * `httpRequestTimeoutMs`; otherwise the server answers 408 and closes the socket. Slow clients of
   * 1 MiB bodies still fit; a stalled one no longer holds a socket forever.
   */
  httpHeadersTimeoutMs: 10_000,
  httpRequestTimeoutMs: 30_000,
  /** How often Node checks those timeouts (they fire up to this late). */
  httpTimeoutCheckIntervalMs: 1_000,
  /**
   * On SIGTERM/SIGINT, requests in flight get this long to finish before every connection is closed.
   * Without it a shutdown waits for the SDK's long-polls to run out (a minute and more); their clients
   * see a dropped connection and retry, as with any server that went away.
   */
  shutdownGraceMs: 2_000,
  /**
   * PostgreSQL waits of a node (docs/cluster.md "PostgreSQL lost during reader traffic"): a network
   * that silently drops packets (firewall DROP, pulled cable, frozen proxy) never closes a
   * connection, so without these a request waits forever. Opening a connection, or waiting for a free
   * pooled one, is bounded by `postgresConnectTimeoutMs`; every query of the pool by
   * `postgresQueryTimeoutMs` (the request answers a retryable `api_error`; the connection is
   * destroyed, never reused). Both are far above anything legitimate work takes on a loaded
   * machine (statements are keyed lookups and bounded batches: milliseconds; a checkout waits for
   * the pool's other statements), and a request that hits them (claim, then the key's release)
   * still answers before `idempotencyLockMs` lets another request take its key over.
   * Migrations are not bounded: a starting node may wait for another node's migration, which on a
   * large database may take minutes; the node serves nothing until then (TCP keepalive still ends a
   * dead connection). Env overrides (tests): OPENTILL_POSTGRES_CONNECT_TIMEOUT_MS,
   * OPENTILL_POSTGRES_QUERY_TIMEOUT_MS, OPENTILL_POSTGRES_LISTEN_CHECK_MS.
   */
  postgresConnectTimeoutMs: 10_000,
  postgresQueryTimeoutMs: 20_000,
  /** TCP keepalive of every PostgreSQL connection: first probe after this long idle (the OS sets the probe interval and count). */
  postgresKeepAliveIdleMs: 10_000,
  /**
   * The dedicated LISTEN connections (outbox and reader-bus wake-ups) run a cheap query this often,
   * bounded by `postgresQueryTimeoutMs`; a failure reconnects them. NOTIFY is only a wake-up
   * (polling carries correctness), but after a silent cut the wake-ups resume within about
   * `postgresListenCheckIntervalMs + postgresQueryTimeoutMs` instead of never.
   */
  postgresListenCheckIntervalMs: 10_000,
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
   * Presented API keys: Stripe's are about 110 characters; anything longer is refused before it is
   * hashed or cached, so a flood of huge invalid keys costs nothing to keep.
   */
  apiKeyLengthMax: 255,
  /**
   * A configured key (`--secret-key`, `--publishable-key`) is `sk_test_`/`pk_test_` followed by at
   * least this many letters or digits: 16 alphanumerics are ~95 bits, not guessable (generated keys
   * have 48).
   */
  configuredKeySuffixLengthMin: 16,
  /**
   * Live event streams (`opentill listen`, SSE) open at once on one server process, and per account
   * on it: each holds a socket, a commit listener and a catch-up timer. A developer runs one or two.
   */
  eventStreamCountMax: 100,
  eventStreamPerAccountCountMax: 10,
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
  /** Stripe's search query language: at most 10 clauses per query. */
  searchClauseCountMax: 10,
  /**
   * Customers one `GET /v1/customers/search` request looks at (search is a scan of the account's
   * customers, newest first): beyond it the page ends with `has_more: true` and a `next_page`
   * that continues the scan. A Terminal account has hundreds or thousands of customers, not millions.
   */
  customerSearchScanMax: 5000,
  /** Search `page` tokens: longer is not one of ours. */
  searchPageTokenLengthMax: 255,
  /** Payment method types on one PaymentIntent. */
  paymentMethodTypeCountMax: 10,
  /** Inputs in one `collect_inputs` action (Stripe's maximum), server-driven or from the SDK. */
  collectInputsCountMax: 5,
  /**
   * Reader protocol (opentill-reader/1) frames: the largest legitimate frame is a collect_inputs
   * action or a signature data URL; 64 KiB leaves room and bounds what a device can make us parse.
   */
  readerMessageBytesMax: 64 * 1024,
  /** Frames per second a device (or screen viewer) may send, sustained; more closes the connection. */
  readerMessagesPerSecondMax: 50,
  /** Frames a device may send at once before the sustained rate applies. */
  readerMessageBurstMax: 100,
  /**
   * Request log (issue 12). Rows a process queues before writing: beyond it new rows are dropped
   * (and counted in `/metrics`) rather than growing memory without bound while the store is slow.
   */
  requestLogQueueRowsMax: 10_000,
  /** Rows written per batch; a batch is also written every `requestLogFlushMs`. */
  requestLogBatchRowsMax: 500,
  requestLogFlushMs: 100,
  /** Stored request parameters and response body, each, after redaction (longer is cut, marked). */
  requestLogBodyCharsMax: 32 * 1024,
  /** Defaults of `--request-log-retention` and `--request-log-max-rows`; pruning runs this often. */
  requestLogRetentionMsDefault: 7 * 24 * 60 * 60 * 1000,
  requestLogRowsMaxDefault: 1_000_000,
  requestLogPruneIntervalMs: 60 * 1000,
  /** Rows one prune statement deletes: bounds how long it holds SQLite's write lock (and the event loop). */
  requestLogPruneBatchRows: 1_000,
  /** Live request-log and dashboard streams per process (each holds a socket). */
  liveStreamCountMax: 100,
  /**
   * Dashboard sessions: signed out after 12 h without a request or 7 days after sign-in; the
   * printed sign-in link works once, for 10 minutes (like Jupyter's token link).
   */
  dashboardSessionIdleMs: 12 * 60 * 60 * 1000,
  dashboardSessionAbsoluteMs: 7 * 24 * 60 * 60 * 1000,
  dashboardSignInTokenMs: 10 * 60 * 1000,
  /** A session's last-seen time is written at most this often (not on every request). */
  dashboardSessionTouchMs: 60 * 1000,
  /**
   * Offline payments on the mobile SDK (docs/offline.md). Stripe sets these per account and does
   * not publish them; OpenTill's defaults are its own choice: a single offline payment of at most
   * `offlineTransactionAmountMaxDefault` and at most `offlineStoredAmountMaxDefault` stored, in the
   * currency's minor units (per currency: 2-decimal currencies shown; zero-decimal ones scaled), at
   * most `offlinePaymentCountMax` payments stored on one device, and none older than
   * `offlinePaymentAgeMaxMs` (a device holding a payment that old takes no new one until it forwarded).
   */
  offlineTransactionAmountMaxDefault: {
    usd: 10_000,
    eur: 10_000,
    gbp: 10_000,
    cad: 10_000,
    aud: 15_000,
    nzd: 15_000,
    chf: 10_000,
    sek: 100_000,
    nok: 100_000,
    dkk: 75_000,
    pln: 40_000,
    czk: 250_000,
    sgd: 15_000,
    hkd: 80_000,
    jpy: 15_000,
    myr: 45_000,
  },
  offlineStoredAmountMaxDefault: {
    usd: 1_000_000,
    eur: 1_000_000,
    gbp: 1_000_000,
    cad: 1_000_000,
    aud: 1_500_000,
    nzd: 1_500_000,
    chf: 1_000_000,
    sek: 10_000_000,
    nok: 10_000_000,
    dkk: 7_500_000,
    pln: 4_000_000,
    czk: 25_000_000,
    sgd: 1_500_000,
    hkd: 8_000_000,
    jpy: 1_500_000,
    myr: 4_500_000,
  },
  offlinePaymentCountMax: 10_000,
  offlinePaymentAgeMaxMs: 7 * 24 * 60 * 60 * 1000,
  /** `opentill serve --fixtures`: objects of one kind in a fixtures file (each fits one list page when matched at start). */
  fixtureObjectsMax: 100,
  /** `opentill serve --fixtures`: size of the file. */
  fixtureFileBytesMax: 1024 * 1024,
} as const;

// Relations between limits, checked at start-up (assertions, not documentation).
if (limits.eventStreamPerAccountCountMax > limits.eventStreamCountMax)
  throw new Error('eventStreamPerAccountCountMax > eventStreamCountMax');
if (limits.httpHeadersTimeoutMs > limits.httpRequestTimeoutMs)
  throw new Error('httpHeadersTimeoutMs > httpRequestTimeoutMs');
if (limits.postgresConnectTimeoutMs + 2 * limits.postgresQueryTimeoutMs >= limits.idempotencyLockMs)
  throw new Error('a request cut off PostgreSQL must answer before its idempotency key can be taken over');
if (limits.listLimitDefault > limits.listLimitMax) throw new Error('listLimitDefault > listLimitMax');
if (limits.formArrayIndexMax >= limits.formParameterCountMax) {
  throw new Error('formArrayIndexMax must stay below formParameterCountMax');
}
for (const [currency, amount] of Object.entries(limits.offlineTransactionAmountMaxDefault)) {
  const stored = (limits.offlineStoredAmountMaxDefault as Record<string, number>)[currency];
  if (stored === undefined || stored < amount)
    throw new Error(`offline limits of ${currency}: stored amount below one payment`);
}
if (limits.fixtureObjectsMax > limits.listLimitMax) throw new Error('fixtureObjectsMax > listLimitMax');
