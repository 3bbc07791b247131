/**
 * What the server tells a device about offline payments at a Location
 * (`GET /opentill/v1/sdk/offline/settings`): one wire type for the engine that answers it and the
 * mobile SDK that keeps it (docs/offline.md).
 */
export interface OfflineSettings {
  object: 'opentill.offline_settings';
  location: string;
  /** The Location's Configuration `offline[enabled]`. */
  enabled: boolean;
  transaction_amount_max: Record<string, number>;
  stored_amount_max: Record<string, number>;
  payment_count_max: number;
  payment_age_max_ms: number;
  /** Above this amount a contactless payment needs a PIN, which Tap to Pay takes online only. */
  cvm_limit: { currency: string; amount: number | null } | null;
  encryption_key: { id: string; algorithm: 'RSA-OAEP-256'; spki: string };
}
