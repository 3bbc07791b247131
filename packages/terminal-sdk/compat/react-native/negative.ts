/** A call React Native's types refuse (discoveryMethod misspelled): the check must report it (sdk-compat.test.ts). */
import { useStripeTerminal } from 'stripe-terminal';

export async function wrong(): Promise<void> {
  await useStripeTerminal().discoverReaders({ discoveryMethod: 'bluetooth' });
}
