/**
 * Card-number syntax checks. Kept apart from the test-card table so the rules are easy to audit:
 * a number is acceptable when it is 12–19 ASCII digits (ISO/IEC 7812 PAN lengths, which also
 * covers the 19-digit girocard test card) and passes the Luhn mod-10 check.
 */

/** 12–19 digits and nothing else: no spaces or dashes, so callers cannot smuggle formatting in. */
export function hasPanShape(number: string): boolean {
  return /^[0-9]{12,19}$/.test(number);
}

/** The Luhn (mod 10) check digit test used by every card network. */
export function passesLuhn(number: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = number.length - 1; i >= 0; i--) {
    let digit = number.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Shape and Luhn together: what an unknown (non-test) card number must satisfy. */
export function isValidPan(number: string): boolean {
  return hasPanShape(number) && passesLuhn(number);
}
