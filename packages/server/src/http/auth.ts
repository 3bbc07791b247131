/**
 * API-key authentication: Bearer (stripe-node) and Basic (curl `-u sk_test_…:`). Key lookups are
 * cached for a short time: this runs on every request, and a key's account never changes.
 */
import { ApiError } from '@opentill/core';
import { authenticate, maskKey, type Account, type ApiKeyRecord, type Store } from '@opentill/engine';

export interface Principal {
  accountId: string;
  kind: ApiKeyRecord['kind'];
}

const noKeyMessage =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth " +
  "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, " +
  'or we can help at https://support.stripe.com/.';

/** Entries live this long; revoking a key takes effect within it. */
const keyCacheTtlMs = 5_000;
/** Account rows (test-clock offset) are re-read this often; an advance in this process is seen at once. */
const accountCacheTtlMs = 1_000;
const cacheEntriesMax = 10_000;

export function presentedKey(header: string | undefined): string | null {
  if (!header) return null;
  const space = header.indexOf(' ');
  if (space < 0) return null;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value || null;
  if (scheme === 'basic') {
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

  constructor(private readonly store: Store) {}

  async principal(authorization: string | undefined): Promise<Principal> {
    const key = presentedKey(authorization);
    if (key === null) throw new ApiError('api_key_missing', noKeyMessage);
    const now = Date.now();
    let cached = this.keys.get(key);
    if (!cached || cached.until < now) {
      if (this.keys.size >= cacheEntriesMax) this.keys.clear();
      cached = { record: await authenticate(this.store, key), until: now + keyCacheTtlMs };
      this.keys.set(key, cached);
    }
    if (!cached.record) throw new ApiError('api_key_invalid', `Invalid API Key provided: ${maskKey(key)}`);
    return { accountId: cached.record.accountId, kind: cached.record.kind };
  }

  async account(accountId: string): Promise<Account> {
    const now = Date.now();
    const cached = this.accounts.get(accountId);
    if (cached && cached.until >= now) return cached.account;
    const account = await this.store.getAccount(accountId);
    if (!account) throw new ApiError('api_key_invalid', 'The account of this API key no longer exists.');
    if (this.accounts.size >= cacheEntriesMax) this.accounts.clear();
    this.accounts.set(accountId, { account, until: now + accountCacheTtlMs });
    return account;
  }

  forgetAccount(accountId: string): void {
    this.accounts.delete(accountId);
  }
}
