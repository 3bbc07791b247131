/**
 * Terminal Configurations (`tmc_`): reader settings (tipping, offline mode, reboot window,
 * splashscreens …). The account default applies unless a Location names its own
 * (`configuration_overrides`); a reader's effective configuration is its Location's.
 */
import { ApiError } from '../errors.js';
import { secondsOf, type StoredObject } from '../domain.js';

export const configurationGroups = [
  'bbpos_wisepad3',
  'bbpos_wisepos_e',
  'stripe_s700',
  'stripe_s710',
  'stripe_t600',
  'verifone_m425',
  'verifone_p400',
  'verifone_p630',
  'verifone_ux700',
  'verifone_v660p',
  'cellular',
  'offline',
  'reader_security',
  'reboot_window',
  'tipping',
  'wifi',
] as const;
export type ConfigurationGroup = (typeof configurationGroups)[number];

export interface Configuration extends StoredObject {
  object: 'terminal.configuration';
  is_account_default: boolean;
  name: string | null;
}

/** Groups to set (an object) or clear (null). */
/** A group set to null is removed; one left undefined (a parameter the request did not send) is kept. */
export type ConfigurationChanges = Partial<Record<ConfigurationGroup, Record<string, unknown> | null | undefined>> & {
  name?: string | null;
};

function checkGroups(changes: ConfigurationChanges): void {
  const window = changes.reboot_window;
  if (window && window['start_hour'] === window['end_hour']) {
    throw new ApiError('invalid_request_body', 'The reboot window start_hour and end_hour must be different.', {
      param: 'reboot_window[end_hour]',
    });
  }
  const tipping = changes.tipping;
  if (tipping) {
    // With several currencies, each must use the same keys (Stripe).
    const shapes = Object.entries(tipping).map(
      ([currency, value]) =>
        [
          currency,
          Object.keys(value as Record<string, unknown>)
            .sort()
            .join(','),
        ] as const,
    );
    const first = shapes[0];
    const odd = shapes.find(([, keys]) => first && keys !== first[1]);
    if (odd) {
      throw new ApiError(
        'invalid_request_body',
        'Each currency in tipping must use the same configuration keys (fixed_amounts, percentages, smart_tip_threshold).',
        { param: `tipping[${odd[0]}]` },
      );
    }
  }
}

function apply(configuration: Configuration, changes: ConfigurationChanges): Configuration {
  checkGroups(changes);
  const next: Configuration = { ...configuration };
  for (const [key, value] of Object.entries(changes)) {
    if (key === 'name') {
      next.name = (value as string | null) ?? null;
      continue;
    }
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next;
}

export function createConfiguration(
  id: string,
  changes: ConfigurationChanges,
  isAccountDefault: boolean,
  nowMs: number,
): Configuration {
  const base: Configuration = {
    id,
    object: 'terminal.configuration',
    created: secondsOf(nowMs),
    is_account_default: isAccountDefault,
    livemode: false,
    name: null,
  };
  return apply(base, changes);
}

export function updateConfiguration(configuration: Configuration, changes: ConfigurationChanges): Configuration {
  return apply(configuration, changes);
}
