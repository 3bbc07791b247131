/** Deterministic and production adapters of the small ports (clock, ids). */
import { createHash, randomFillSync } from 'node:crypto';
import type { Clock, IdSource } from './ports.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  nowMs(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random base62 text. Rejection sampling (bytes ≥ 248 are skipped) keeps every character equally
 * likely: 248 is the largest multiple of 62 below 256.
 */
function randomText(length: number, nextByte: () => number = randomByte): string {
  let out = '';
  while (out.length < length) {
    const byte = nextByte();
    if (byte < 248) out += alphabet[byte % 62];
  }
  return out;
}

/** Random bytes drawn 4 KiB at a time: one system call per ~100 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** Stripe-looking ids (`pi_3Q…`, 24 characters after the prefix). */
export const randomIds: IdSource = {
  next: (prefix) => `${prefix}_${randomText(24)}`,
  secret: (length) => randomText(length),
};

/** Sequential ids for reproducible tests: `pi_000001`, … and secrets from a counter. */
export class SequentialIds implements IdSource {
  private counter = 0;
  next(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${String(this.counter).padStart(24, '0')}`;
  }
  secret(length: number): string {
    this.counter += 1;
    return String(this.counter).padStart(length, '0');
  }
}

/**
 * A reproducible byte stream: SHA-256 of (seed, stream name, block number), 32 bytes per block.
 * Not a secret generator: it exists so one `--seed` gives the same ids run after run.
 */
export function seededBytes(seed: string, stream: string): () => number {
  let block = Buffer.alloc(0);
  let offset = 0;
  let index = 0;
  return () => {
    if (offset === block.length) {
      block = createHash('sha256').update(`${seed}\u0000${stream}\u0000${index}`).digest();
      index += 1;
      offset = 0;
    }
    return block[offset++]!;
  };
}

/** A number in [0, 1) from a seeded stream (retry jitter under `--seed`). */
export function seededRandom(seed: string, stream: string): () => number {
  const next = seededBytes(seed, stream);
  return () => (next() * 2 ** 24 + next() * 2 ** 16 + next() * 2 ** 8 + next()) / 2 ** 32;
}

/**
 * Stripe-looking ids and secrets like `randomIds`, drawn from a seeded stream: the same seed and the
 * same sequence of requests give the same ids. Test mode only — the secrets are predictable.
 */
export class SeededIds implements IdSource {
  private readonly nextByte: () => number;
  constructor(seed: string) {
    this.nextByte = seededBytes(seed, 'ids');
  }
  next(prefix: string): string {
    return `${prefix}_${randomText(24, this.nextByte)}`;
  }
  secret(length: number): string {
    return randomText(length, this.nextByte);
  }
}
