/**
 * One long operation at a time, each with React Native's `Cancelable` (docs/tap-to-pay-sdk.md,
 * "One operation at a time, `Cancelable`"): a second operation while one runs answers `READER_BUSY`; `cancel()` aborts the
 * running one through an AbortSignal (the UI takes its screen down, the reader's action is
 * canceled) and resolves once it has stopped; canceling what already finished, or a payment
 * already being authorized, answers `CANCEL_FAILED`.
 */
import { ErrorCode, stripeError } from './errors.js';
import type { Cancelable, ErrorResult, StripeError } from './types.js';

export type OperationName =
  | 'discoverReaders'
  | 'connectReader'
  | 'collectPaymentMethod'
  | 'confirmPaymentIntent'
  | 'installAvailableUpdate'
  | 'collectSetupIntentPaymentMethod'
  | 'confirmSetupIntent'
  | 'processSetupIntent'
  | 'processRefund'
  | 'collectInputs'
  | 'collectData'
  | 'easyConnect'
  | 'processPaymentIntent';

/** Why an operation was aborted: the app canceled it, or the reader went away under it. */
export type AbortCause = 'canceled' | 'disconnected';

export class Operation {
  private readonly controller = new AbortController();
  /** False while the payment is being authorized: that cannot be undone. */
  cancelable = true;
  done = false;
  cause: AbortCause | null = null;

  constructor(readonly name: OperationName) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  abort(cause: AbortCause): void {
    if (this.aborted) return;
    this.cause = cause;
    this.controller.abort(cause);
  }

  /** The error an aborted operation ends with. */
  abortedError(): StripeError {
    return this.cause === 'disconnected'
      ? stripeError(ErrorCode.NOT_CONNECTED_TO_READER, `${this.name} stopped: the reader disconnected.`)
      : stripeError(ErrorCode.CANCELED, `${this.name} was canceled.`);
  }
}

const cancelFailed = (name: OperationName, why = 'it has already been canceled or has completed') =>
  stripeError(ErrorCode.CANCEL_FAILED, `${name} could not be canceled because ${why}.`);

export function cancelable<T>(promise: Promise<T>, cancel: () => Promise<ErrorResult>): Cancelable<T> {
  return Object.assign(promise, { cancel });
}

export class OperationSlot {
  private current: { operation: Operation; settled: Promise<unknown> } | null = null;

  get running(): Operation | null {
    return this.current?.operation ?? null;
  }

  /**
   * Runs `body` as the one operation, or answers `READER_BUSY` at once. `body` returns a result
   * value (never rejects for expected failures); an aborted operation's body returns `abortedError()`.
   */
  run<T extends { error?: StripeError }>(
    name: OperationName,
    body: (operation: Operation) => Promise<T>,
  ): Cancelable<T> {
    const busy = this.current?.operation;
    if (busy) {
      const error = stripeError(
        ErrorCode.READER_BUSY,
        `Could not execute ${name} because the SDK is busy with another command: ${busy.name}.`,
      );
      return cancelable(Promise.resolve({ error } as T), async () => ({ error: cancelFailed(name) }));
    }
    const operation = new Operation(name);
    const promise = (async () => {
      try {
        return await body(operation);
      } finally {
        operation.done = true;
        if (this.current?.operation === operation) this.current = null;
      }
    })();
    this.current = { operation, settled: promise.catch(() => undefined) };
    return cancelable(promise, () => this.cancel(operation, promise));
  }

  /** Cancels the running operation if it is `name` (the `cancelXxx()` methods). */
  cancelNamed(name: OperationName): Promise<ErrorResult> {
    const current = this.current;
    if (!current || current.operation.name !== name) return Promise.resolve({ error: cancelFailed(name) });
    return this.cancel(current.operation, current.settled);
  }

  /** Aborts whatever runs (disconnect), waiting for it to stop. */
  async abortAll(cause: AbortCause): Promise<void> {
    const current = this.current;
    if (!current) return;
    current.operation.abort(cause);
    await current.settled;
  }

  private async cancel(operation: Operation, settled: Promise<unknown>): Promise<ErrorResult> {
    if (operation.done || operation.aborted) return { error: cancelFailed(operation.name) };
    if (!operation.cancelable)
      return { error: cancelFailed(operation.name, 'the payment is already being authorized') };
    operation.abort('canceled');
    const result = (await settled.catch(() => undefined)) as { error?: StripeError } | undefined;
    return result?.error?.code === ErrorCode.CANCELED ? {} : { error: cancelFailed(operation.name) };
  }
}
