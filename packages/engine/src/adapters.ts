/** Deterministic and production adapters of the small ports (clock, ids). */
import { randomFillSync } from 'node:crypto';
import type { Clock, IdSource } from './ports.js';

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  nowMs(): number { return this.current; }
  advance(ms: number): void { this.current += ms; }
  set(ms: number): void { this.current = ms; }
}

const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Random base62 text. Rejection sampling (bytes ≥ 248 are skipped) keeps every character equally
 * likely: 248 is the largest multiple of 62 below 256.
 */
function randomText(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
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
