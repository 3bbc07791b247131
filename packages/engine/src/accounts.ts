/**
 * Accounts and API keys. Keys are stored as SHA-256 hashes only; a presented key is hashed and
 * looked up, then compared in constant time. (The index lookup itself leaks nothing useful: an
 * attacker would need SHA-256 preimages to steer it.)
 */
import { hash } from 'node:crypto';
import { sameSecret } from './secrets.js';
import { secondsOf } from '@opentill/core';
import type { Clock, IdSource } from './ports.js';
import type { Account, ApiKeyRecord, Store } from './store.js';

export function hashKey(key: string): string {
  // One-shot: the same digest as createHash().update().digest() without the Hash object (runs on every request).
  return hash('sha256', key, 'hex');
}

export function maskKey(key: string): string {
  const prefixEnd = key.startsWith('sk_test_') || key.startsWith('pk_test_') ? 8 : Math.min(3, key.length);
  return `${key.slice(0, prefixEnd)}${'*'.repeat(Math.max(0, key.length - prefixEnd - 4))}${key.slice(-4)}`;
}

export interface CreatedAccount {
  account: Account;
  secretKey: string;
  publishableKey: string;
}

export async function createAccount(
  store: Store,
  ids: IdSource,
  clock: Clock,
  options: { secretKey?: string; publishableKey?: string } = {},
): Promise<CreatedAccount> {
  const created = secondsOf(clock.nowMs());
  const account: Account = { id: ids.next('acct'), created, clockOffsetMs: 0, settings: {} };
  const secretKey = options.secretKey ?? `sk_test_${ids.secret(48)}`;
  const publishableKey = options.publishableKey ?? `pk_test_${ids.secret(48)}`;
  const keys: ApiKeyRecord[] = [
    { hash: hashKey(secretKey), accountId: account.id, kind: 'secret', last4: secretKey.slice(-4), created },
    {
      hash: hashKey(publishableKey),
      accountId: account.id,
      kind: 'publishable',
      last4: publishableKey.slice(-4),
      created,
    },
  ];
  await store.insertAccount(account, keys);
  return { account, secretKey, publishableKey };
}

/** Finds the key record for a presented key, comparing hashes in constant time. */
export async function authenticate(store: Store, presented: string): Promise<ApiKeyRecord | null> {
  return authenticateHash(store, hashKey(presented));
}

/** `authenticate` for a key already hashed with `hashKey` (the HTTP edge caches by hash). */
export async function authenticateHash(store: Store, hash: string): Promise<ApiKeyRecord | null> {
  const record = await store.findApiKey(hash);
  if (!record) return null;
  return sameSecret(record.hash, hash) ? record : null;
}
