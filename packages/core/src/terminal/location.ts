/** Terminal Locations (`tml_`): where readers are, for grouping, configuration and reporting. */
import { ApiError } from '../errors.js';
import { secondsOf, type Metadata, type StoredObject } from '../domain.js';

export interface Address {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface Location extends StoredObject {
  object: 'terminal.location';
  address: Address;
  configuration_overrides?: string;
  display_name: string;
  metadata: Metadata;
  phone?: string;
}

export type AddressInput = Partial<Record<keyof Address, string | null>>;

export function buildAddress(input: AddressInput | undefined, current?: Address): Address {
  const base = current ?? { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };
  return {
    city: input?.city !== undefined ? input.city : base.city,
    country: input?.country !== undefined ? input.country : base.country,
    line1: input?.line1 !== undefined ? input.line1 : base.line1,
    line2: input?.line2 !== undefined ? input.line2 : base.line2,
    postal_code: input?.postal_code !== undefined ? input.postal_code : base.postal_code,
    state: input?.state !== undefined ? input.state : base.state,
  };
}

export interface LocationFields {
  address?: AddressInput;
  display_name?: string | null;
  configuration_overrides?: string | null;
  phone?: string | null;
  metadata?: Metadata;
}

export function createLocation(id: string, fields: LocationFields, nowMs: number): Location {
  if (fields.address !== undefined && !fields.address.country) {
    throw new ApiError('parameter_missing', 'Missing required param: address[country].', { param: 'address[country]' });
  }
  const location: Location = {
    id,
    object: 'terminal.location',
    address: buildAddress(fields.address),
    created: secondsOf(nowMs),
    display_name: fields.display_name ?? '',
    livemode: false,
    metadata: fields.metadata ?? {},
  };
  if (fields.configuration_overrides) location.configuration_overrides = fields.configuration_overrides;
  if (fields.phone) location.phone = fields.phone;
  return location;
}

export function updateLocation(location: Location, fields: LocationFields): Location {
  if (
    fields.address?.country !== undefined &&
    fields.address.country !== location.address.country &&
    location.address.country !== null
  ) {
    throw new ApiError(
      'invalid_request_body',
      "You cannot change the country of a Location's address. Create a new Location instead.",
      { param: 'address[country]' },
    );
  }
  const next: Location = { ...location };
  if (fields.address !== undefined) next.address = buildAddress(fields.address, location.address);
  if (fields.display_name !== undefined) next.display_name = fields.display_name ?? '';
  if (fields.metadata !== undefined) next.metadata = fields.metadata;
  if (fields.configuration_overrides !== undefined) {
    if (fields.configuration_overrides === null) delete next.configuration_overrides;
    else next.configuration_overrides = fields.configuration_overrides;
  }
  if (fields.phone !== undefined) {
    if (fields.phone === null) delete next.phone;
    else next.phone = fields.phone;
  }
  return next;
}
