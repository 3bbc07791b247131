/**
 * Shared domain vocabulary. Domain state is kept in Stripe's wire shape (snake_case): the object a
 * state machine returns is the object the API shows, so the two can never drift. Fields only
 * OpenTill needs live under `_internal` and are stripped at the HTTP edge.
 */

export type Metadata = Record<string, string>;

/** An event produced by a transition, before the engine gives it an id and a request context. */
export interface DomainEvent {
  type: string;
  /** The object as it is after the change (events carry full objects, as Stripe's do). */
  object: StoredObject;
  previousAttributes?: Record<string, unknown>;
}

/** Every stored object has at least these. */
export interface StoredObject {
  id: string;
  object: string;
  created: number;
  livemode: boolean;
  _internal?: Record<string, unknown>;
  [field: string]: unknown;
}

/**
 * The result of a pure transition: the new objects (changed ones only), the events, and when the
 * scheduler must look at a changed object again (`deadlines`: by id, null clears it; absent: none).
 */
export interface Transition {
  changed: StoredObject[];
  events: DomainEvent[];
  deadlines?: ReadonlyMap<string, number | null>;
}

export function secondsOf(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

/** A programmer error: an invariant the code itself must keep. Kept on in production. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
