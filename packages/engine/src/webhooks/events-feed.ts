/**
 * The live event feed behind `GET /opentill/v1/events/stream` (`opentill listen`, the dashboard):
 * an account's events as they commit, each sent once. This process's commits arrive at once
 * (commit listener); other nodes' (same database) when the store is read again, from a cursor —
 * the newest event when the feed opened — every `catchUpEveryMs`.
 *
 * The route only adapts HTTP (authentication, Server-Sent Events framing, heartbeats); what is
 * sent, to whom, how often the store is read and how many feeds may be open live here.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, limits, secondsOf, type StoredObject } from '@opentill/core';
import type { Engine } from '../engine.js';
import { isKnownEventType } from './event-types.js';

/** How often a feed reads the store for events other nodes committed (its own come at once). */
export const eventsFeedCatchUpMs = 1_000;
/** Pages of events one catch-up reads at most (a burst beyond waits for the next round). */
const catchUpPagesMax = 10;
/** Event ids a feed remembers as sent (so an event is never sent twice). */
const sentIdsMax = 10_000;

export interface EventsFeedOptions {
  /** Period of the catch-up timer; null for none (tests call `catchUp()` themselves). */
  catchUpEveryMs?: number | null;
}

/** One open feed: reserved by `open`, delivering from `start` until `close`. */
export interface EventFeed {
  readonly accountId: string;
  /** The event types asked for (`*`: every Stripe event type, not OpenTill's own `opentill.*`). */
  readonly events: readonly string[];
  /** The account's `whsec_…` secret `opentill listen` signs forwarded events with (the same for every feed). */
  readonly secret: string;
  /** Starts delivering: at once what this process commits, and what the store holds past the cursor at each catch-up. */
  start(deliver: (event: StoredObject) => void): Promise<void>;
  /** Reads the events committed elsewhere since the last read (the timer calls it; safe to call concurrently). */
  catchUp(): Promise<void>;
  /** Stops delivering and frees the slot (safe to call twice, and before or during `start`). */
  close(): void;
}

export class EventsFeed {
  private readonly slots = new FeedSlots();
  private readonly catchUpEveryMs: number | null;

  constructor(
    private readonly engine: Engine,
    options: EventsFeedOptions = {},
  ) {
    this.catchUpEveryMs = options.catchUpEveryMs === undefined ? eventsFeedCatchUpMs : options.catchUpEveryMs;
  }

  /**
   * Checks the event types and takes a slot for the account (`invalid_request_body` with
   * `param: 'events'`, `rate_limit`): nothing is delivered before `start`.
   */
  async open(accountId: string, events: readonly string[]): Promise<EventFeed> {
    for (const type of events) {
      if (!isKnownEventType(type)) {
        throw new ApiError(
          'invalid_request_body',
          `Invalid events: '${type.slice(0, 100)}' is not an event type OpenTill sends.`,
          { param: 'events' },
        );
      }
    }
    // Reserved before any await, so concurrent opens cannot all pass the check.
    const release = this.slots.reserve(accountId);
    let secret: string;
    try {
      secret = await this.engine.store.setting(
        `cli_webhook_secret:${accountId}`,
        `whsec_${randomBytes(24).toString('hex')}`,
      );
    } catch (error) {
      release();
      throw error;
    }
    return new OpenFeed(this.engine, accountId, [...events], secret, release, this.catchUpEveryMs);
  }
}

class OpenFeed implements EventFeed {
  private closed = false;
  private stopListening: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private deliver: ((event: StoredObject) => void) | null = null;
  private readonly sent = new Map<string, true>();
  /** Id of the newest event read; the catch-up reads what is newer. */
  private cursor: string | null = null;
  /** When the cursor is unset, the catch-up reads by creation time from here (seconds). */
  private openedAt = 0;
  private reading = false;

  constructor(
    private readonly engine: Engine,
    readonly accountId: string,
    readonly events: readonly string[],
    readonly secret: string,
    private readonly release: () => void,
    private readonly catchUpEveryMs: number | null,
  ) {}

  async start(deliver: (event: StoredObject) => void): Promise<void> {
    if (this.closed || this.deliver !== null) return;
    this.deliver = deliver;
    this.stopListening = this.engine.onCommit((accountId, events) => {
      if (accountId !== this.accountId) return;
      for (const event of events) this.sendOnce(event);
    });
    // The newest event when the feed opened. (A store error here leaves the cursor unset: the
    // catch-up then reads by creation time.)
    this.cursor =
      (
        await this.engine.store
          .list({ accountId: this.accountId, type: 'event', limit: 1 })
          .catch(() => ({ data: [] as StoredObject[] }))
      ).data[0]?.id ?? null;
    this.openedAt = secondsOf(this.engine.clock.nowMs()) - 1;
    if (this.closed || this.catchUpEveryMs === null) return;
    this.timer = setInterval(() => {
      void this.catchUp();
    }, this.catchUpEveryMs);
    this.timer.unref();
  }

  async catchUp(): Promise<void> {
    if (this.reading || this.closed || this.deliver === null) return;
    this.reading = true;
    try {
      for (let page = 0; page < catchUpPagesMax && !this.closed; page += 1) {
        const found = await this.engine.store.list({
          accountId: this.accountId,
          type: 'event',
          limit: limits.listLimitMax,
          ...(this.cursor !== null ? { endingBefore: this.cursor } : { created: { gte: this.openedAt } }),
        });
        if (found.data.length === 0) break;
        for (const event of [...found.data].reverse()) this.sendOnce(event);
        this.cursor = found.data[0]!.id;
        if (!found.hasMore) break;
      }
    } catch {
      // The next round tries again (a store hiccup must not end the feed).
    } finally {
      this.reading = false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopListening?.();
    if (this.timer !== null) clearInterval(this.timer);
    this.release();
  }

  private sendOnce(event: StoredObject): void {
    if (this.closed || this.sent.has(event.id)) return;
    this.sent.set(event.id, true);
    if (this.sent.size > sentIdsMax) this.sent.delete(this.sent.keys().next().value!);
    if (this.wants(String(event['type']))) this.deliver?.(event);
  }

  private wants(type: string): boolean {
    return this.events.some((entry) => entry === type || (entry === '*' && !type.startsWith('opentill.')));
  }
}

/**
 * Feeds held open, in total and per account: each holds a socket, a commit listener and a
 * catch-up timer, so one account cannot take every slot of a server shared by several.
 */
class FeedSlots {
  private total = 0;
  private readonly byAccount = new Map<string, number>();

  /** Takes a slot for `accountId` or throws `rate_limit`; returns the release (safe to call twice). */
  reserve(accountId: string): () => void {
    if (this.total >= limits.eventStreamCountMax) {
      throw new ApiError(
        'rate_limit',
        `Too many live event streams on this server (at most ${limits.eventStreamCountMax}).`,
      );
    }
    const mine = this.byAccount.get(accountId) ?? 0;
    if (mine >= limits.eventStreamPerAccountCountMax) {
      throw new ApiError(
        'rate_limit',
        `Too many live event streams for this account (at most ${limits.eventStreamPerAccountCountMax}). Close one and retry.`,
      );
    }
    this.total += 1;
    this.byAccount.set(accountId, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const left = (this.byAccount.get(accountId) ?? 1) - 1;
      if (left === 0) this.byAccount.delete(accountId);
      else this.byAccount.set(accountId, left);
    };
  }
}
