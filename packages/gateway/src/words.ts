/**
 * Three-word registration codes (`puppies-plug-could`): easy to read off a reader's screen and type.
 * 276 words → about 21 million codes; a code lives a few minutes and pairing is rate-limited by its socket, so
 * guessing one in time is impractical (and it only registers a device the guesser doesn't hold).
 */
import { randomInt } from 'node:crypto';

const words = `
able acid aged also area army away baby back ball band bank base bath bear beat been beer bell belt best bike bird
blow blue boat body bone book boot born boss both bowl burn bush busy cake call calm came camp card care cart case
cash cast cell chat chip city clay club coal coat code cold come cook cool cope copy core corn cost crew crop dark
data date dawn days dead deal dear deep desk diet disk does done door down draw drop drum duck dust duty each earn
east easy edge else even ever face fact fair fall farm fast fear feel feet fell felt file fill film find fine fire
firm fish five flag flat flow folk food foot form fort four free from fuel full fund gain game gate gave gear gift
girl give glad goal goes gold golf gone good grew grey grow gulf hair half hall hand hang hard harm have head hear
heat held hell help here hero high hill hire hold hole holy home hope host hour huge hung hunt idea inch into iron
item jazz join jump jury just keen keep kept kick kind king kiss knee knew know lack lady laid lake lamp land lane
last late lead leaf lean left lend less life lift like line link list live load loan lock logo long look lord lose
loss lost loud love luck made mail main make male many mark mass meal mean meat meet menu mild mile milk mill mind
mine miss mode mood moon more most move much must name navy near neck need news next nice nine none nose note okay
`
  .trim()
  .split(/\s+/);

export function registrationCode(): string {
  return [0, 1, 2].map(() => words[randomInt(words.length)]).join('-');
}
