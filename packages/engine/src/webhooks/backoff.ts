/**
 * Retry schedules. Pure: the random source is injected, so tests can pin the jitter.
 *
 * The delay before retry n (n = 1 after the first failed attempt) is `base × factor^(n-1)`, capped
 * at `cap`, then jittered DOWN into [delay/2, delay] ("equal jitter"), so advancing a clock by the
 * un-jittered delay always makes the retry due. A retry that would fall after `created + window`
 * is not scheduled: the delivery has failed for good.
 *
 * Presets (the `--webhook-retry` option of `opentill serve`):
 * - `standard` — Stripe's live behaviour: up to 3 days; 1 min, 2, 4, 8 … capped at 12 h (≈ 14 attempts).
 * - `short`    — Stripe's sandbox behaviour, "three times over a few hours": 5 min, 30 min, 3 h; window 4 h.
 * - `base=1s,factor=2,cap=10s,window=1m` — any custom schedule (units ms, s, m, h, d).
 */
export interface RetrySchedule {
  baseMs: number;
  factor: number;
  capMs: number;
  windowMs: number;
}

const minute = 60_000;
const hour = 60 * minute;

export const retrySchedules = {
  standard: { baseMs: minute, factor: 2, capMs: 12 * hour, windowMs: 72 * hour },
  short: { baseMs: 5 * minute, factor: 6, capMs: 3 * hour, windowMs: 4 * hour },
} as const satisfies Record<string, RetrySchedule>;

/** The un-jittered delay before retry `retry` (1-based). */
export function retryDelayMs(schedule: RetrySchedule, retry: number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 40);
  return Math.min(schedule.baseMs * schedule.factor ** exponent, schedule.capMs);
}

/**
 * When to try again after `attemptsMade` failed attempts, or null when the window is over.
 * `random` returns a number in [0, 1).
 */
export function nextAttemptMs(
  schedule: RetrySchedule,
  attemptsMade: number,
  createdMs: number,
  nowMs: number,
  random: () => number,
): number | null {
  const delay = retryDelayMs(schedule, attemptsMade);
  const jittered = Math.round(delay / 2 + (delay / 2) * Math.min(Math.max(random(), 0), 1));
  const at = nowMs + jittered;
  return at > createdMs + schedule.windowMs ? null : at;
}

const units: Record<string, number> = { ms: 1, s: 1000, m: minute, h: hour, d: 24 * hour };

function duration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration '${text}' (e.g. 500ms, 10s, 5m, 2h, 3d)`);
  return Number(match[1]) * units[match[2]!]!;
}

/** Parses a preset name or `base=…,factor=…,cap=…,window=…`. Throws with a readable message. */
export function parseRetrySchedule(text: string): RetrySchedule {
  if (text === 'standard' || text === 'short') return { ...retrySchedules[text] };
  const out: RetrySchedule = { ...retrySchedules.standard };
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (!key || value === undefined) throw new Error(`invalid retry schedule '${text}'`);
    switch (key) {
      case 'base':
        out.baseMs = duration(value);
        break;
      case 'cap':
        out.capMs = duration(value);
        break;
      case 'window':
        out.windowMs = duration(value);
        break;
      case 'factor': {
        const factor = Number(value);
        if (!Number.isFinite(factor) || factor < 1) throw new Error(`invalid factor '${value}' (≥ 1)`);
        out.factor = factor;
        break;
      }
      default:
        throw new Error(`unknown retry schedule key '${key}' (base, factor, cap, window)`);
    }
  }
  if (out.baseMs <= 0 || out.capMs < out.baseMs) throw new Error('retry schedule: need 0 < base ≤ cap');
  return out;
}
