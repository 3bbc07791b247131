/**
 * The `inputs` of a `collect_inputs` action: one decoder and one mapping for both doors to it, the
 * server-driven `POST /v1/terminal/readers/:id/collect_inputs` and the SDK's `/collect_inputs`.
 */
import { ApiError, limits } from '@opentill/core';
import { array, bool, object, oneOf, str } from '@opentill/protocol';

const inputTypes = ['email', 'numeric', 'phone', 'selection', 'signature', 'text'] as const;
const inputSchema = object({
  type: oneOf(inputTypes).req(),
  custom_text: object({
    title: str({ maxLength: 40 }).req(),
    description: str({ maxLength: 500 }),
    skip_button: str({ maxLength: 14 }),
    submit_button: str({ maxLength: 30 }),
  }).req(),
  required: bool(),
  selection: object({
    choices: array(
      object({
        id: str({ maxLength: 50 }).req(),
        text: str({ maxLength: 30 }).req(),
        style: oneOf(['primary', 'secondary'] as const),
      }),
      { max: 10 },
    ).req(),
  }),
  toggles: array(
    object({
      title: str({ maxLength: 50 }),
      description: str({ maxLength: 50 }),
      default_value: oneOf(['enabled', 'disabled'] as const),
    }),
    { max: 3 },
  ),
});

/** The `inputs` parameter: required, at most `limits.collectInputsCountMax`. */
export const collectInputsParam = array(inputSchema, { max: limits.collectInputsCountMax }).req();

type DecodedInputs = ReturnType<typeof collectInputsParam.parse>;

/**
 * The decoded inputs as the action's `inputs`, each member Stripe shows (null until the customer
 * answers). Refuses what the decoder cannot: an empty list, a `selection` input without choices.
 */
export function collectInputsFrom(inputs: DecodedInputs): Array<Record<string, unknown>> {
  if (inputs.length === 0)
    throw new ApiError('parameter_missing', 'Missing required param: inputs.', { param: 'inputs' });
  return inputs.map((input, index) => {
    if (input.type === 'selection' && input.selection === undefined) {
      throw new ApiError('parameter_missing', `Missing required param: inputs[${index}][selection].`, {
        param: `inputs[${index}][selection]`,
      });
    }
    return {
      type: input.type,
      custom_text: {
        title: input.custom_text.title,
        description: input.custom_text.description ?? null,
        skip_button: input.custom_text.skip_button ?? null,
        submit_button: input.custom_text.submit_button ?? null,
      },
      required: input.required ?? null,
      ...(input.selection
        ? {
            // `id` and `text`: the choice made, null until the customer chooses.
            selection: {
              choices: input.selection.choices.map((c) => ({ id: c.id, style: c.style ?? null, text: c.text })),
              id: null,
              text: null,
            },
          }
        : {}),
      toggles:
        input.toggles?.map((t) => ({
          default_value: t.default_value ?? null,
          description: t.description ?? null,
          title: t.title ?? null,
          value: null,
        })) ?? null,
    };
  });
}
