/**
 * The HTTP side of an OpenTill SDK (docs/sdk.md, "Credentials"): JSON calls to
 * `/opentill/v1/sdk/…` authenticated by an SDK session, the session opened by redeeming a
 * connection token from the app, and replaced once when the server says it expired or ended.
 *
 * Errors are values, not exceptions, and keep the server's error object untouched: each SDK maps
 * them to its own vocabulary (the JS SDK's `ExposedError`, the mobile SDK's `StripeError`).
 */

export type Json = Record<string, unknown>;

/** How a call failed: the server could not be reached, gave up, the app's token failed, or the server refused. */
export type FailureKind = 'network' | 'timeout' | 'token' | 'http';

export interface TransportFailure {
  ok: false;
  kind: FailureKind;
  /** HTTP status (0 when nothing was answered). */
  status: number;
  /** The server's `error` object as sent (`{type, code, message, …}`), or one made up for local failures. */
  error: Json & { code: string; message: string };
  requestId?: string;
}

export type TransportResult<T> = { ok: true; data: T; requestId?: string } | TransportFailure;

export interface TransportOptions {
  apiBase: string;
  /** The app's connection token callback; its result is checked here. */
  fetchConnectionToken: () => Promise<unknown>;
  /** How the SDK words the callback's failures (each SDK keeps its documented wording). */
  tokenMessages?: TokenMessages;
  fetch?: typeof fetch;
  /**
   * The session was replaced after a 401: put back what the old session held (its reader), so the
   * call can be retried. Answer a failure to give up.
   */
  restoreAfterRenewal?: (secret: string) => Promise<TransportResult<unknown> | null>;
}

/** The wording of `failed_fetch_connection_token` when the app's callback fails. */
export interface TokenMessages {
  /** The callback threw (or rejected) with `reason`. */
  failed: (reason: string) => string;
  /** The callback resolved to something else than a non-empty string. */
  notAToken: string;
}

const defaultTokenMessages: TokenMessages = {
  failed: (reason) => `The connection token provider failed: ${reason}`,
  notAToken: 'The connection token provider did not resolve to a connection token (a non-empty string).',
};

/** How long one long-poll of the state waits on the server. */
export const stateWaitMs = 25_000;
/** A request (other than the long-poll) gives up after this long. */
export const requestTimeoutMs = 30_000;

export class SdkTransport {
  apiBase: string;
  private session: string | null = null;
  private sessionPromise: Promise<{ secret: string } | TransportFailure> | null = null;
  /** The session being replaced after a 401 (new session + restore), which every call waits for. */
  private renewal: Promise<TransportFailure | null> | null = null;

  constructor(private readonly options: TransportOptions) {
    this.apiBase = options.apiBase.replace(/\/+$/, '');
  }

  /** Whether a session is open (a connection token was redeemed and not dropped since). */
  get hasSession(): boolean {
    return this.session !== null;
  }

  /** One call, with `secret` as the Bearer credential (none for `POST /sessions`). */
  async raw<T>(
    method: string,
    path: string,
    body: Json | undefined,
    secret: string | null,
    signal?: AbortSignal,
  ): Promise<TransportResult<T>> {
    const headers: Record<string, string> = {};
    if (secret) headers['authorization'] = `Bearer ${secret}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(path.startsWith('/state') ? stateWaitMs + requestTimeoutMs : requestTimeoutMs);
    const combined = signal ? anySignal([signal, timeout]) : { signal: timeout, release: () => undefined };
    const doFetch = this.options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(`${this.apiBase}/opentill/v1/sdk${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: combined.signal,
      });
    } catch (error) {
      combined.release();
      const timedOut = timeout.aborted;
      return {
        ok: false,
        kind: timedOut ? 'timeout' : 'network',
        status: 0,
        error: {
          code: timedOut ? 'network_timeout' : 'network_error',
          message: timedOut
            ? 'The request to the OpenTill server timed out.'
            : `Could not reach the OpenTill server at ${this.apiBase}: ${(error as Error).message}`,
        },
      };
    }
    const requestId = response.headers.get('request-id') ?? undefined;
    let parsed: unknown = null;
    try {
      parsed = await response.json();
    } catch {
      parsed = null;
    } finally {
      combined.release();
    }
    if (response.ok) return { ok: true, data: parsed as T, ...(requestId ? { requestId } : {}) };
    const error = ((parsed as { error?: Json } | null)?.error ?? {}) as Json;
    return {
      ok: false,
      kind: 'http',
      status: response.status,
      ...(requestId ? { requestId } : {}),
      error: {
        ...error,
        code: typeof error['code'] === 'string' ? error['code'] : `http_${response.status}`,
        message:
          typeof error['message'] === 'string' ? error['message'] : `The OpenTill server answered ${response.status}.`,
      },
    };
  }

  /** The SDK session, opened with a fresh connection token from the app when there is none. */
  async ensureSession(): Promise<{ secret: string } | TransportFailure> {
    if (this.session) return { secret: this.session };
    this.sessionPromise ??= this.openSession();
    try {
      return await this.sessionPromise;
    } finally {
      this.sessionPromise = null;
    }
  }

  /** Opens a session from `token` (already fetched by the caller), replacing none. */
  async redeem(token: unknown): Promise<{ secret: string } | TransportFailure> {
    if (typeof token !== 'string' || token === '') {
      return tokenFailure((this.options.tokenMessages ?? defaultTokenMessages).notAToken);
    }
    const opened = await this.raw<{ secret: string }>('POST', '/sessions', { connection_token: token }, null);
    if (!opened.ok) {
      if (opened.kind !== 'http') return opened;
      return tokenFailure(`The connection token was refused: ${opened.error.message}`, opened.status);
    }
    this.session = opened.data.secret;
    return { secret: opened.data.secret };
  }

  private async openSession(): Promise<{ secret: string } | TransportFailure> {
    let token: unknown;
    try {
      token = await this.options.fetchConnectionToken();
    } catch (error) {
      return tokenFailure(
        (this.options.tokenMessages ?? defaultTokenMessages).failed(
          error instanceof Error ? error.message : String(error),
        ),
      );
    }
    return this.redeem(token);
  }

  /**
   * A session-authenticated call; an expired or ended session is replaced once, then the call
   * retried. A renewal is one step — the new session and what it must hold again (the reader) —
   * and every call waits for it to finish, so none runs on a new session that holds nothing yet:
   * when it fails (no token, the reader not restored), every call that waited fails with it.
   */
  async request<T>(method: string, path: string, body?: Json, signal?: AbortSignal): Promise<TransportResult<T>> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.renewal) {
        const failed = await this.renewal;
        if (failed) return failed;
      }
      const session = await this.ensureSession();
      if ('ok' in session) return session;
      const result = await this.raw<T>(method, path, body, session.secret, signal);
      if (result.ok || result.status !== 401 || attempt > 0) return result;
      // Renew only if nobody replaced the session meanwhile: a concurrent call (the state
      // long-poll) sees the same expiry, and a second renewal would take the reader over from the first.
      if (this.session === session.secret && !this.renewal) {
        this.session = null;
        this.renewal = this.renew().finally(() => {
          this.renewal = null;
        });
      }
    }
  }

  /** A new session, and what the old one held restored on it; a failure, or null. */
  private async renew(): Promise<TransportFailure | null> {
    const renewed = await this.ensureSession();
    if ('ok' in renewed) return renewed;
    const restored = await this.options.restoreAfterRenewal?.(renewed.secret);
    return restored && !restored.ok ? restored : null;
  }

  /** Ends the session on the server (it releases its reader) and forgets it. */
  async endSession(): Promise<TransportResult<unknown> | null> {
    const secret = this.session;
    this.session = null;
    if (!secret) return null;
    return this.raw('DELETE', '/session', undefined, secret);
  }

  /** The secret of the open session, for a best-effort call that must not open a new one. */
  get currentSecret(): string | null {
    return this.session;
  }
}

function tokenFailure(message: string, status = 0): TransportFailure {
  return { ok: false, kind: 'token', status, error: { code: 'failed_fetch_connection_token', message } };
}

/** An AbortSignal that aborts when any of `signals` does (AbortSignal.any is newer than Node 20.3); `release` unhooks it. */
export function anySignal(signals: AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const control = new AbortController();
  const hooks: Array<() => void> = [];
  for (const signal of signals) {
    if (signal.aborted) {
      control.abort(signal.reason);
      break;
    }
    const abort = () => control.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    hooks.push(() => signal.removeEventListener('abort', abort));
  }
  return {
    signal: control.signal,
    release: () => {
      for (const unhook of hooks) unhook();
    },
  };
}
