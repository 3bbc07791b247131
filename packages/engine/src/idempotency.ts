/**
 * Idempotency through crashes (docs/idempotency.md). A request holding an `Idempotency-Key` owns
 * it through a random token; every commit it makes records its effect on the key row in the same
 * transaction, while the token still owns the key. A retry after a crash then finds the effect and
 * answers the first outcome from it instead of running the request again.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { limits, type ApiError } from '@opentill/core';
import type { IdempotencyBegin } from './store.js';

/** What a request committed so far, shared by every context derived from the request's. */
export interface RecordedEffect {
  /** Latest stored text per committed object id; `created`: the request inserted it. */
  objects: Map<string, { type: string; created: boolean; data: string }>;
  /** The answer when it is none of the objects as stored (a secret shown once), as JSON text. */
  answer: string | null;
  /** The stored error the request answers after its commit (a decline), as `ApiError` parts. */
  error: { status: number; body: Record<string, unknown>; headers: Record<string, string> } | null;
}

/** The request's hold on its key, carried by `RequestContext.idempotency`. */
export interface IdempotencyHandle {
  key: string;
  token: string;
  /** Updated in place after each successful commit (derived contexts share it). */
  effect: RecordedEffect;
  /**
   * False inside work whose errors the request does not answer (a reader flow catches a decline and
   * answers the reader): such commits never record their error as the request's.
   */
  errorsAreAnswers: boolean;
}

/** The context for work whose errors the request catches and does not answer (see `errorsAreAnswers`). */
export function errorsNotAnswered<C extends { idempotency?: IdempotencyHandle | null }>(ctx: C): C {
  return ctx.idempotency ? { ...ctx, idempotency: { ...ctx.idempotency, errorsAreAnswers: false } } : ctx;
}

export function newIdempotencyHandle(key: string, token: string): IdempotencyHandle {
  return { key, token, effect: { objects: new Map(), answer: null, error: null }, errorsAreAnswers: true };
}

/** What a commit adds to the effect; `error`/`answer` undefined: unchanged by this commit. */
export interface CommitOutcome {
  error?: ApiError | null;
  /** The object the request returns when it is not one of the committed objects as stored. */
  answer?: unknown;
}

/** The effect after a commit, as it will be recorded (the handle changes only once the commit succeeds). */
export function effectAfter(
  handle: IdempotencyHandle,
  puts: ReadonlyArray<{ object: { id: string; object: string }; expectedVersion: number; data: string }>,
  outcome: CommitOutcome | undefined,
): RecordedEffect {
  const objects = new Map(handle.effect.objects);
  for (const put of puts) {
    const created = put.expectedVersion === 0 || objects.get(put.object.id)?.created === true;
    objects.set(put.object.id, { type: put.object.object, created, data: put.data });
  }
  let error = handle.effect.error;
  if (handle.errorsAreAnswers) {
    const thrown = outcome?.error ?? null;
    error =
      thrown && thrown.storedForIdempotency
        ? { status: thrown.status, body: thrown.body as unknown as Record<string, unknown>, headers: thrown.headers }
        : null;
  }
  const answer = outcome?.answer !== undefined ? JSON.stringify(outcome.answer) : handle.effect.answer;
  return { objects, answer, error };
}

/** The effect as JSON text; stored texts are spliced in as they are (no re-serialization). */
export function effectText(effect: RecordedEffect): string {
  const objects: string[] = [];
  for (const [id, entry] of effect.objects) {
    objects.push(
      `{"id":${JSON.stringify(id)},"type":${JSON.stringify(entry.type)},"created":${entry.created},"data":${entry.data}}`,
    );
  }
  return `{"objects":[${objects.join(',')}],"answer":${effect.answer ?? 'null'},"error":${JSON.stringify(effect.error)}}`;
}

/** A recorded effect as read back by a retry. */
export interface RecoveredEffect {
  objects: Array<{
    id: string;
    type: string;
    created: boolean;
    data: Record<string, unknown> & { id: string; object: string };
  }>;
  answer: unknown;
  error: RecordedEffect['error'];
}

export function parseEffect(text: string): RecoveredEffect {
  return JSON.parse(text) as RecoveredEffect;
}

/** The row fields `begin` decides on (both stores). */
export interface IdempotencyRowState {
  request_hash: string;
  state: string;
  response_status: number | null;
  response_body: string | null;
  created_ms: number;
  locked_until_ms: number;
  token: string | null;
  effect: string | null;
}

/**
 * A request hash may start with the endpoint it was made on (`POST /v1/refunds <digest>`, see the
 * server's idempotency): a mismatch then says which endpoint the key was first used on, for
 * Stripe's "can only be used for the same endpoint" error. Hashes without one (older rows) say nothing.
 */
export function endpointOfRequestHash(hash: string): string | null {
  const space = hash.lastIndexOf(' ');
  return space > 0 ? hash.slice(0, space) : null;
}

/**
 * Whether a stored hash is the presented request's. A row stored before hashes carried their
 * endpoint holds the digest alone: it matches the presented hash's digest, so a retry across an
 * upgrade still replays (the digest covers method and path too).
 */
function sameRequest(stored: string, presented: string): boolean {
  if (stored === presented) return true;
  return (
    endpointOfRequestHash(stored) === null &&
    presented.length > stored.length &&
    presented.endsWith(stored) &&
    presented[presented.length - stored.length - 1] === ' '
  );
}

function mismatch(firstHash: string): IdempotencyBegin {
  const firstEndpoint = endpointOfRequestHash(firstHash);
  return firstEndpoint === null ? { kind: 'mismatch' } : { kind: 'mismatch', firstEndpoint };
}

/**
 * `begin` on an existing row: the answer, or null when the caller claims the key (a row past
 * retention; an in-flight one whose lock expired with no effect recorded: its request died before
 * committing anything, so running it again is the first execution that counts).
 */
export function decideBegin(row: IdempotencyRowState, requestHash: string, nowMs: number): IdempotencyBegin | null {
  if (row.created_ms < nowMs - limits.idempotencyRetentionMs) return null;
  if (row.state === 'done') {
    return sameRequest(row.request_hash, requestHash)
      ? { kind: 'replay', status: row.response_status ?? 500, body: row.response_body ?? '' }
      : mismatch(row.request_hash);
  }
  if (row.locked_until_ms > nowMs) return { kind: 'in_use' };
  if (!sameRequest(row.request_hash, requestHash)) return mismatch(row.request_hash);
  if (row.effect !== null && row.token !== null) return { kind: 'recover', token: row.token, effect: row.effect };
  return null;
}

/**
 * AES-256-GCM for what idempotency keeps at rest (recorded effects, stored answers): they may hold
 * secrets shown once (connection tokens, screen-session tokens, webhook secrets). The key is a
 * per-installation secret from `server_settings`, shared by every node. Sealed text is
 * `s1.<base64url(iv | tag | ciphertext)>`; text without the prefix (written before sealing
 * existed) is returned as is.
 */
export class Sealer {
  private key: Buffer | undefined;
  private loading: Promise<Buffer> | undefined;

  constructor(private readonly loadSecret: () => Promise<string>) {}

  private async ready(): Promise<Buffer> {
    if (this.key) return this.key;
    this.loading ??= this.loadSecret().then((secret) => (this.key = createHash('sha256').update(secret).digest()));
    return this.loading;
  }

  async seal(text: string): Promise<string> {
    const key = this.key ?? (await this.ready());
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return `s1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
  }

  async open(text: string): Promise<string> {
    if (!text.startsWith('s1.')) return text;
    const key = this.key ?? (await this.ready());
    const raw = Buffer.from(text.slice(3), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** The `server_settings` name of the sealing secret. */
export const sealingSecretSetting = 'idempotency_sealing_key';
