/**
 * API-key authentication: Bearer (stripe-node) and Basic (curl `-u sk_test_…:`). Key lookups are
 * cached for a short time: this runs on every request, and a key's account never changes. The cache
 * is keyed by the key's SHA-256 (64 characters whatever was presented) and holds a bounded number of
 * entries, so invalid keys cannot grow it; a key longer than any real one is refused before hashing.
 */
import { ApiError, limits } from '@opentill/core';
import { authenticateHash, hashKey, maskKey, type Account, type ApiKeyRecord, type Store } from '@opentill/engine';
import { DashboardAuth, sameSecret, sessionCookieOf } from '../operations/dashboard-auth.js';

export interface Principal {
  /** The account the request acts as: the key's, or the connected account named by `Stripe-Account`. */
  accountId: string;
  /** Connect: the key's account when the request acts as one of its connected accounts. */
  platformId?: string;
  /** `dashboard`: a signed-in dashboard session (cookie), allowed wherever a secret key is. */
  kind: ApiKeyRecord['kind'] | 'dashboard';
}

interface RequestCredentials {
  method: string;
  headers: {
    authorization?: string | undefined;
    cookie?: string | undefined;
    'x-csrf-token'?: string | string[] | undefined;
  };
}

const noKeyMessage =
  'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth ' +
  "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, " +
  'or we can help at https://support.stripe.com/.';

/** Entries live this long; revoking a key takes effect within it. */
const keyCacheTtlMs = 5_000;
/** Account rows (test-clock offset) are re-read this often; an advance in this process is seen at once. */
const accountCacheTtlMs = 1_000;
/** 10,000 entries × (64-char hash + record) stay under a few MiB, whatever keys are presented. */
const cacheEntriesMax = 10_000;

function invalidKey(key: string): ApiError {
  return new ApiError('api_key_invalid', `Invalid API Key provided: ${maskKey(key.slice(0, limits.apiKeyLengthMax))}`);
}

/** Inserts into a Map used as an LRU-ish cache: the oldest entry goes when full (never all of them). */
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  cache.delete(key);
  if (cache.size >= cacheEntriesMax) cache.delete(cache.keys().next().value as K);
  cache.set(key, value);
}

export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme === 'basic') {
    // Base64 of a key (plus ':') is 4/3 its length: a longer header cannot hold a valid key, and is
    // not decoded at all.
    if (value.length > 4 * Math.ceil((limits.apiKeyLengthMax + 1) / 3))
      return value.slice(0, limits.apiKeyLengthMax + 1);
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon >= 0 ? decoded.slice(0, colon) : decoded;
    return user || null;
  }
  return null;
}

export class Authenticator {
  private readonly keys = new Map<string, { record: ApiKeyRecord | null; until: number }>();
  private readonly accounts = new Map<string, { account: Account; until: number }>();
  /** `platform/connected` → whether the platform may act as it, re-read as often as account rows. */
  private readonly connected = new Map<string, { allowed: boolean; until: number }>();

  readonly dashboard: DashboardAuth;

  constructor(private readonly store: Store) {
    this.dashboard = new DashboardAuth(store);
  }

  /**
   * The caller of a request: an API key in `Authorization` (which wins), else the dashboard's session
   * cookie. A cookie-authenticated request other than GET must carry the session's CSRF token in
   * `X-CSRF-Token`; without it the request is refused before anything runs.
   */
  async principalOf(request: RequestCredentials): Promise<Principal> {
    if (request.headers.authorization !== undefined) return this.principal(request.headers.authorization);
    const cookie = sessionCookieOf(request.headers.cookie);
    if (cookie === null) return this.principal(undefined);
    const session = await this.dashboard.session(cookie);
    if (!session) {
      throw new ApiError(
        'dashboard_session_invalid',
        'Your dashboard session has ended or is not valid. Sign in again.',
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const presented = request.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !sameSecret(presented, session.csrfToken)) {
        throw new ApiError(
          'csrf_token_invalid',
          'This request was made with the dashboard session cookie but without its CSRF token (X-CSRF-Token header).',
        );
      }
    }
    return { accountId: session.accountId, kind: 'dashboard' };
  }

  async principal(authorization: string | undefined): Promise<Principal> {
    const key = presentedKey(authorization);
    if (key === null) throw new ApiError('api_key_missing', noKeyMessage);
    if (key.length > limits.apiKeyLengthMax) throw invalidKey(key);
    const now = Date.now();
    const hash = hashKey(key);
    let cached = this.keys.get(hash);
    if (!cached || cached.until < now) {
      cached = { record: await authenticateHash(this.store, hash), until: now + keyCacheTtlMs };
      remember(this.keys, hash, cached);
    }
    if (!cached.record) throw invalidKey(key);
    return { accountId: cached.record.accountId, kind: cached.record.kind };
  }

  async account(accountId: string): Promise<Account> {
    const now = Date.now();
    const cached = this.accounts.get(accountId);
    if (cached && cached.until >= now) return cached.account;
    const account = await this.store.getAccount(accountId);
    if (!account) throw new ApiError('api_key_invalid', 'The account of this API key no longer exists.');
    remember(this.accounts, accountId, { account, until: now + accountCacheTtlMs });
    return account;
  }

  /**
   * Connect: the principal acting as the account named by `Stripe-Account`, which must be one of
   * its connected accounts (not deleted). Naming itself changes nothing. Anything else is Stripe's
   * 403 `account_invalid`. `isConnected` asks the store (docs/connect.md).
   */
  async actingAs(
    principal: Principal,
    header: string | string[] | undefined,
    authorization: string | undefined,
    isConnected: (platformId: string, accountId: string) => Promise<boolean>,
  ): Promise<Principal> {
    if (header === undefined || header === '' || header === principal.accountId) return principal;
    const named = Array.isArray(header) ? header.join(',') : header;
    const now = Date.now();
    const cacheKey = `${principal.accountId}/${named}`;
    let cached = this.connected.get(cacheKey);
    if (!cached || cached.until < now) {
      cached = { allowed: await isConnected(principal.accountId, named), until: now + accountCacheTtlMs };
      remember(this.connected, cacheKey, cached);
    }
    if (!cached.allowed) {
      const key = presentedKey(authorization);
      throw new ApiError(
        'account_invalid',
        `The provided key '${key === null ? '' : maskKey(key.slice(0, limits.apiKeyLengthMax))}' does not have access to account ` +
          `'${named.slice(0, 255)}' (or that account does not exist). Application access may have been revoked.`,
      );
    }
    return { accountId: named, kind: principal.kind, platformId: principal.accountId };
  }

  /** A connected account was deleted: this process stops acting as it at once (others within a second). */
  forgetConnected(platformId: string, accountId: string): void {
    this.connected.delete(`${platformId}/${accountId}`);
  }

  /** Entries in the key cache (for tests of its bound). */
  get cachedKeyCount(): number {
    return this.keys.size;
  }

  forgetAccount(accountId: string): void {
    this.accounts.delete(accountId);
  }
}
