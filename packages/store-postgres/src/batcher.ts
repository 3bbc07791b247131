/**
 * Group round trips (issue 13): calls of one kind made while another of the same kind is on its
 * way to PostgreSQL wait and go together as ONE statement, e.g. the idempotency key claims of 20
 * concurrent requests as one multi-row INSERT. Each caller still gets its own outcome. Under no
 * load a call waits one turn of the event loop at most; under load a batch forms while the
 * previous one is in flight, so round trips (and PostgreSQL transactions, each a WAL flush) per
 * request fall with concurrency. The SQLite adapter group-commits its writes the same way.
 *
 * Hand-rolled rather than `dataloader`: that library batches keyed reads per tick and caches them;
 * here the calls are writes with per-call outcomes, and batching on "previous batch in flight"
 * rather than per tick is what forms batches at all (the callers arrive one network read at a time).
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface BatcherOptions {
  /** Batches of this kind on their way at once (each holds a pooled connection). */
  inFlightMax: number;
  /** Calls per batch (bounds a statement's parameters and how long its locks are held). */
  batchMax: number;
}

export class RoundTripBatcher<I, O> {
  private readonly queue: Array<{ input: I; resolve: (value: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;

  /** `send` answers one `Settled` per input, in order; if it throws, every call of the batch fails with that error. */
  constructor(
    private readonly send: (inputs: I[]) => Promise<Array<Settled<O>>>,
    private readonly options: BatcherOptions,
  ) {}

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.inFlightMax) return; // a returning batch schedules again
    this.scheduled = true;
    // One turn of the event loop: calls made by the requests read in the same turn join this batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.options.inFlightMax && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchMax);
      this.inFlight += 1;
      this.send(batch.map((call) => call.input))
        .then(
          (outcomes) => {
            batch.forEach((call, index) => {
              const outcome = outcomes[index];
              if (!outcome)
                call.reject(
                  new Error(`batched statement answered ${outcomes.length} outcomes for ${batch.length} calls`),
                );
              else if (outcome.ok) call.resolve(outcome.value);
              else call.reject(outcome.error);
            });
          },
          (error: unknown) => {
            for (const call of batch) call.reject(error);
          },
        )
        .finally(() => {
          this.inFlight -= 1;
          if (this.queue.length > 0) this.schedule();
        });
    }
  }
}
