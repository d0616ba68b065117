#!/usr/bin/env node
// Issue 12: `sandbox.commands.run('true')` through the real `e2b` npm SDK (a drop-in against
// TensorBox) beside the same loop through our TypeScript SDK; one process, two sandboxes of the same
// kind (default template), alternated call by call (order flipped every round), same run.
//
//   (cd bench/e2b && npm install --no-save --no-package-lock e2b@2.51.0)   # node_modules is gitignored
//   (cd sdk/typescript && npm ci && npm run build)                          # if sdk/typescript/dist is missing
//   bench/e2b/run.sh [API_URL=http://localhost:18080] [ADMIN_KEY_FILE=/work/devhome/admin-key] [N=200]
//
// run.sh creates the two keys (POST /v1/api-keys, one with "format":"e2b") and calls this with
// TENSORBOX_API_URL, E2B_API_KEY, TENSORBOX_API_KEY. Prints a markdown table (ms per call, after
// WARMUP=20 calls of each).
import { createRequire } from 'node:module';
import { Sandbox as TbSandbox } from '../../sdk/typescript/dist/index.js';

const require = createRequire(import.meta.url);
const N = Number(process.argv[2] ?? 200);
const WARMUP = 20;
const apiUrl = (process.env.TENSORBOX_API_URL ?? 'http://localhost:18080').replace(/\/+$/, '');
const e2bKey = process.env.E2B_API_KEY;
const tbKey = process.env.TENSORBOX_API_KEY;
if (!e2bKey || !tbKey) {
  console.error('set E2B_API_KEY (e2b_...) and TENSORBOX_API_KEY (ask_...)');
  process.exit(2);
}
// the e2b SDK reads these (what a user of the drop-in sets)
process.env.E2B_API_URL = apiUrl;
process.env.E2B_SANDBOX_URL = apiUrl;
const e2b = require('e2b');
const e2bVersion = require('e2b/package.json').version;

const e2bSbx = await e2b.Sandbox.create({ apiKey: e2bKey, timeoutMs: 900_000, metadata: { bench: 'e2b' } });
let tbSbx;
try {
  tbSbx = await TbSandbox.create({ apiUrl, apiKey: tbKey, timeoutMs: 900_000, metadata: { bench: 'e2b-tb' } });
} catch (e) {
  await e2bSbx.kill();
  throw e;
}

const kinds = {
  [`e2b SDK ${e2bVersion}`]: async () => {
    const r = await e2bSbx.commands.run('true');
    if (r.exitCode !== 0) throw new Error(`e2b exit ${r.exitCode}`);
  },
  'TensorBox TypeScript SDK': async () => {
    const r = await tbSbx.commands.run('true');
    if (r.exitCode !== 0) throw new Error(`tb exit ${r.exitCode}`);
  },
};
const names = Object.keys(kinds);
const samples = Object.fromEntries(names.map((n) => [n, []]));
const started = Date.now();
try {
  for (let i = 0; i < WARMUP + N; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const t0 = performance.now();
      await kinds[name]();
      const dt = performance.now() - t0;
      if (i >= WARMUP) samples[name].push(dt);
    }
  }
} finally {
  await Promise.allSettled([e2bSbx.kill(), tbSbx.kill()]);
}

const q = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const f = (x) => x.toFixed(1);
console.log(`commands.run('true') against ${apiUrl}, N=${N} each after ${WARMUP} warm-up, ` +
  `alternated, ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log('');
console.log('| client | p50 ms | p99 ms | mean ms | max ms |');
console.log('| --- | --- | --- | --- | --- |');
for (const n of names) {
  const xs = samples[n];
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`| ${n} | ${f(q(xs, 50))} | ${f(q(xs, 99))} | ${f(mean)} | ${f(Math.max(...xs))} |`);
}
const [a, b] = names;
console.log('');
console.log(`p50 ratio ${a} / ${b}: ${(q(samples[a], 50) / q(samples[b], 50)).toFixed(2)}`);
