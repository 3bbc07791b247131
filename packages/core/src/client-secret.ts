/**
 * A PaymentIntent's or SetupIntent's client secret, `<intent id>_secret_<random>`: the one place that
 * knows the shape (the engine makes them, the SDK sessions and the client SDK read the id back).
 */
const separator = '_secret_';

export function clientSecretOf(intentId: string, random: string): string {
  return `${intentId}${separator}${random}`;
}

/** The intent id a client secret names, or null when the text is not shaped like one. */
export function intentIdOfClientSecret(secret: string): string | null {
  const at = secret.indexOf(separator);
  return at > 0 && at + separator.length < secret.length ? secret.slice(0, at) : null;
}
