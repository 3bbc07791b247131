/**
 * Checks the keys given to `opentill serve` before anything is written: OpenTill is test mode only,
 * so a secret key must be a test secret key (`sk_test_…`), never a live, restricted or publishable
 * key, nor a guessable string.
 */
import { limits } from '@opentill/core';

const alphanumerics = `[A-Za-z0-9]{${limits.configuredKeySuffixLengthMin},${limits.apiKeyLengthMax - 8}}`;
const secretKeyPattern = new RegExp(`^sk_test_${alphanumerics}$`);
const publishableKeyPattern = new RegExp(`^pk_test_${alphanumerics}$`);

/** The one-line reason a configured key is refused, or null when it is acceptable. */
export function configuredKeyProblem(kind: 'secret' | 'publishable', key: string): string | null {
  const [pattern, prefix, flag] =
    kind === 'secret'
      ? [secretKeyPattern, 'sk_test_', '--secret-key/OPENTILL_SECRET_KEY']
      : [publishableKeyPattern, 'pk_test_', '--publishable-key/OPENTILL_PUBLISHABLE_KEY'];
  if (pattern.test(key)) return null;
  return (
    `${flag} must be a test ${kind} key: '${prefix}' followed by ${limits.configuredKeySuffixLengthMin} to ` +
    `${limits.apiKeyLengthMax - 8} letters or digits (the given value is not; it was not used).`
  );
}
