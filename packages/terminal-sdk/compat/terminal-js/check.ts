import type { Terminal as StripeTerminal } from './index.js';
import type { OpenTillTerminal } from '../../dist/terminal.js';

declare const openTill: OpenTillTerminal;
export const assignable: StripeTerminal = openTill;
