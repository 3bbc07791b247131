export { runSeed, type SeedOptions, type SeedResult } from './simulate.js';
export { audit } from './auditor.js';
export { Random } from './random.js';
