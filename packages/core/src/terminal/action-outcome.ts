/**
 * Rules about a reader action's outcome that the engine and both SDKs read the same way (one
 * home, so a new PIN decline or a new settled status changes them all).
 */

/** The issuer's soft declines asking for the cardholder's PIN: the reader collects it and confirms again. */
export const pinDeclineCodes: ReadonlySet<string> = new Set(['offline_pin_required', 'online_or_offline_pin_required']);

/** Whether `declineCode` is a soft decline asking for the PIN. */
export function isPinDeclineCode(declineCode: unknown): boolean {
  return typeof declineCode === 'string' && pinDeclineCodes.has(declineCode);
}

/**
 * Whether `paymentIntent` is `paymentIntentId` authorized (`requires_capture`, or `succeeded` when
 * captured at once). On a reader the PaymentIntent settles just before the action does
 * (docs/terminal.md), so a waiting SDK takes this as the outcome of confirming it.
 */
export function isSettledPaymentIntent(
  paymentIntent: { id?: unknown; status?: unknown } | null | undefined,
  paymentIntentId: string,
): boolean {
  return (
    paymentIntent?.id === paymentIntentId &&
    (paymentIntent.status === 'requires_capture' || paymentIntent.status === 'succeeded')
  );
}
