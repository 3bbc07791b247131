// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time and by
// total (inclusive) time, with file:line (1-based).
//
//   node bench/profile-top.mjs PROFILE.cpuprofile [N=25] [--filter substring]
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args.splice(filterAt, 2)[1] : null;
const [file, nArg] = args;
if (!file) {
  process.stderr.write('usage: node bench/profile-top.mjs PROFILE.cpuprofile [N] [--filter text]\n');
  process.exit(2);
}
const top = Number(nArg ?? 25);
process.stdout.on('error', () => process.exit(0)); // e.g. piped into head
const profile = JSON.parse(readFileSync(file, 'utf8'));
const root = fileURLToPath(new URL('..', import.meta.url));

const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from samples × time deltas.
const selfUs = new Map();
for (let i = 0; i < profile.samples.length; i += 1) {
  const id = profile.samples[i];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(cf) {
  let url = cf.url || '';
  if (url.startsWith('file://')) url = relative(root, fileURLToPath(url));
  return url ? `${url}:${cf.lineNumber + 1}` : '(native)';
}
const keyOf = (cf) => `${cf.functionName || '(anonymous)'} ${where(cf)}`;

const self = new Map();
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const n = nodes.get(id);
  const k = keyOf(n.callFrame);
  self.set(k, (self.get(k) ?? 0) + us);
  // Inclusive: count each distinct function once per sample stack.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const key = keyOf(nodes.get(cur).callFrame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const pct = (us) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
function print(title, map) {
  process.stdout.write(`\n${title}\n`);
  [...map]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, us]) => process.stdout.write(`${pct(us)} ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}\n`));
}
process.stdout.write(`total sampled ${(totalUs / 1e6).toFixed(2)} s\n`);
print('self time', self);
print('total time (inclusive)', inclusive);
