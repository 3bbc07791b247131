/** The simulated customer: what they enter (succeed_input_collection) and the card they present by default. */
import { defaultSimulatedCard, defaultSimulatedCardType, inputsCollected, type Reader } from '@opentill/core';
import type { RequestContext } from '../../engine.js';
import type { CardRead } from '../../ports.js';
import { ReaderPart } from './part.js';

export class SimulatedCustomer extends ReaderPart {
  async succeedInputCollection(ctx: RequestContext, readerId: string, skipNonRequired: boolean): Promise<Reader> {
    const reader = await this.changeReader(ctx, readerId, (reader) => {
      const inputs = (
        (reader.action?.['collect_inputs'] as { inputs?: Array<Record<string, unknown>> } | undefined)?.inputs ?? []
      ).map((input) => filledInput(input, skipNonRequired));
      return inputsCollected(reader, inputs, ctx.nowMs);
    });
    return this.view(reader, ctx.nowMs);
  }
}

/** Stripe's default simulated card for the payment method types (processor-simulated's `defaultTestCardNumber`; docs/terminal.md). */
export function defaultRead(types: string[]): CardRead {
  return defaultSimulatedCardType(types) === 'interac_present'
    ? { type: 'interac_present', number: defaultSimulatedCard.interac_present, readMethod: 'contact_emv', wallet: null }
    : { type: 'card_present', number: defaultSimulatedCard.card_present, readMethod: 'contactless_emv', wallet: null };
}

/** What a simulated customer enters for an input (succeed_input_collection). */
function filledInput(input: Record<string, unknown>, skipNonRequired: boolean): Record<string, unknown> {
  const type = String(input['type']);
  const toggles = Array.isArray(input['toggles'])
    ? (input['toggles'] as Array<Record<string, unknown>>).map((toggle) => ({
        ...toggle,
        value: toggle['default_value'] ?? 'disabled',
      }))
    : null;
  if (skipNonRequired && input['required'] !== true) return { ...input, skipped: true, toggles };
  const values: Record<string, unknown> = {
    email: { value: 'customer@example.com' },
    numeric: { value: '1234' },
    phone: { value: '+15555550123' },
    text: { value: 'OpenTill simulated input' },
    signature: { value: 'file_opentill_simulated_signature' },
  };
  if (type === 'selection') {
    const selection = input['selection'] as { choices?: Array<{ id: string; text: string }> } | undefined;
    const choice = selection?.choices?.[0];
    return {
      ...input,
      skipped: false,
      toggles,
      selection: { ...selection, id: choice?.id ?? null, text: choice?.text ?? null },
    };
  }
  return { ...input, skipped: false, toggles, [type]: values[type] ?? { value: null } };
}
