/**
 * PIN entry on the phone: the environment it needs and where the PIN pad shows.
 *
 * Seed "Gestion des erreurs de code PIN": a PIN can only be collected when developer options are
 * off, no accessibility service is registered or running, no screen recording is in progress, no
 * overlay window is on screen and an internet connection is active; a screenshot attempt also fails
 * PIN collection. Any of these ⇒ `TAP_TO_PAY_INSECURE_ENVIRONMENT` with the cause in the message.
 * The seed states these for Android; OpenTill applies them on both platforms (its simulated PIN
 * screen is the same on both), an iPhone simply reports them false.
 *
 * Seed "Expérience utilisateur - PIN": the PIN pad is not always centred, it appears at a random
 * position. Randomness is not allowed in core, so the caller passes a random seed.
 */
import { tapToPayRefusal, type TapToPayRefusal } from './codes.js';

export interface PinEnvironmentFacts {
  developerOptions?: boolean;
  accessibilityServices?: boolean;
  screenRecording?: boolean;
  overlays?: boolean;
  /** Active internet connection (required). */
  internet: boolean;
  /** Something tried to take a screenshot while the PIN screen was up. */
  screenshotAttempted?: boolean;
}

export type InsecureEnvironmentCause =
  | 'developer_options'
  | 'accessibility_services'
  | 'screen_recording'
  | 'overlays'
  | 'no_internet'
  | 'screenshot_attempt';

export type PinEnvironmentRefusal = TapToPayRefusal<'TAP_TO_PAY_INSECURE_ENVIRONMENT', InsecureEnvironmentCause> & {
  /** The first cause (same as `reason`). */
  cause: InsecureEnvironmentCause;
  /** Every cause found, in the order of `insecureEnvironmentCauses`. */
  causes: InsecureEnvironmentCause[];
};

/** The causes in checking order, with the guidance shown to the user. */
export const insecureEnvironmentCauses: readonly { cause: InsecureEnvironmentCause; message: string }[] = Object.freeze(
  [
    { cause: 'developer_options', message: 'Developer options are enabled. Turn off developer options and retry.' },
    {
      cause: 'accessibility_services',
      message: 'An accessibility service is registered or running. Turn off accessibility services and retry.',
    },
    { cause: 'screen_recording', message: 'The screen is being recorded. Stop screen recording and retry.' },
    { cause: 'overlays', message: 'Another app is drawing an overlay window on the screen. Close it and retry.' },
    { cause: 'no_internet', message: 'There is no active internet connection. Reconnect and retry.' },
    {
      cause: 'screenshot_attempt',
      message: 'A screenshot was attempted during PIN entry. Retry without taking screenshots.',
    },
  ] as const,
);

/** Whether a PIN may be collected now; otherwise the cause(s). */
export function checkPinEnvironment(facts: PinEnvironmentFacts): { ok: true } | PinEnvironmentRefusal {
  const present: Record<InsecureEnvironmentCause, boolean> = {
    developer_options: facts.developerOptions === true,
    accessibility_services: facts.accessibilityServices === true,
    screen_recording: facts.screenRecording === true,
    overlays: facts.overlays === true,
    no_internet: facts.internet !== true,
    screenshot_attempt: facts.screenshotAttempted === true,
  };
  const found = insecureEnvironmentCauses.filter((c) => present[c.cause]);
  const first = found[0];
  if (!first) return { ok: true };
  return {
    ...tapToPayRefusal(
      'TAP_TO_PAY_INSECURE_ENVIRONMENT',
      first.cause,
      `TAP_TO_PAY_INSECURE_ENVIRONMENT: PIN entry is not possible in an insecure environment. ${found.map((c) => c.message).join(' ')}`,
    ),
    cause: first.cause,
    causes: found.map((c) => c.cause),
  };
}

export interface PinPadLayout {
  /** The seed the layout came from (as an unsigned 32-bit integer). */
  seed: number;
  /** Digits in reading order: three rows of three, then the bottom-row digit. */
  keys: number[];
  /** The same digits by row: `[[1,2,3],[4,5,6],[7,8,9],[0]]` when not scrambled. */
  rows: number[][];
  /**
   * Where the pad sits in the free space around it: 0 = left/top edge, 1 = right/bottom edge,
   * 0.5 = centred. Two decimals.
   */
  position: { xBias: number; yBias: number };
}

export interface PinPadOptions {
  /** Also shuffle the digits (off by default: the seed only says the position is random). */
  scramble?: boolean;
}

/**
 * The PIN pad layout for one PIN entry, derived from a caller-provided random seed (the host draws
 * it, e.g. `crypto.getRandomValues`). Same seed ⇒ same layout. The position is drawn uniformly in
 * [0, 1] × [0, 1] and moved off the exact centre, since the seed says the pad is not centred.
 */
export function pinPadLayout(seed: number, options: PinPadOptions = {}): PinPadLayout {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
  const s = Math.trunc(seed) >>> 0;
  const next = mulberry32(s);
  const round = (v: number) => Math.round(v * 100) / 100;
  let xBias = round(next());
  const yBias = round(next());
  if (xBias === 0.5 && yBias === 0.5) xBias = 0.51;
  const keys = [1, 2, 3, 4, 5, 6, 7, 8, 9, 0];
  if (options.scramble === true) {
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [keys[i], keys[j]] = [keys[j] as number, keys[i] as number];
    }
  }
  return {
    seed: s,
    keys,
    rows: [keys.slice(0, 3), keys.slice(3, 6), keys.slice(6, 9), keys.slice(9)],
    position: { xBias, yBias },
  };
}

/** A small deterministic PRNG (Mulberry32): uint32 seed → numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
