/**
 * The event types OpenTill emits, which is what `enabled_events` may name (plus `*`). `*` means
 * every type except those needing explicit selection, as on Stripe: here only OpenTill's own
 * `opentill.*` notifications.
 */
export const emittedEventTypes = [
  'account.updated',
  'application_fee.created',
  'charge.captured',
  'charge.expired',
  'charge.failed',
  'charge.refund.updated',
  'charge.refunded',
  'charge.succeeded',
  'charge.updated',
  'customer.created',
  'customer.deleted',
  'customer.updated',
  'payment_intent.amount_capturable_updated',
  'payment_intent.canceled',
  'payment_intent.created',
  'payment_intent.payment_failed',
  'payment_intent.succeeded',
  'payment_method.attached',
  'payment_method.detached',
  'refund.created',
  'refund.failed',
  'refund.updated',
  'transfer.created',
  'terminal.reader.action_failed',
  'terminal.reader.action_succeeded',
  'terminal.reader.action_updated',
  /** An endpoint that failed for the whole retry window was disabled (OpenTill's own). */
  'opentill.webhook_endpoint.disabled',
] as const;

const explicitOnly = (type: string): boolean => type.startsWith('opentill.');

export function isKnownEventType(type: string): boolean {
  return type === '*' || (emittedEventTypes as readonly string[]).includes(type);
}

/** Whether an endpoint with these `enabled_events` receives an event of `type`. */
export function endpointWantsEvent(enabledEvents: readonly unknown[], type: string): boolean {
  for (const entry of enabledEvents) {
    if (entry === type) return true;
    if (entry === '*' && !explicitOnly(type)) return true;
  }
  return false;
}
