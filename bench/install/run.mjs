// Issue 11: sandbox creation on the installed chart beside plain pods of the same image and spec.
// Driven by run.sh (which finds the API and makes a developer key); needs only node (>= 18) and kubectl.
//
// One watch on the sandbox namespace (the API server's own pod watch, opened once) sees every pod
// of this run being added, becoming Ready and going away, with the same delivery delay for every
// kind, so no kubectl start-up or polling sits in the Ready figures.
//
// Part 1, cold create, ROUNDS rounds (after WARMUP discarded ones), the three kinds in a rotating
// order, each sample a new pod, the previous one gone before the next starts (image on the node):
//   tensorbox   POST /v1/sandboxes {"template":"base"}, then GET the record every POLL_MS until `running`
//   kubectl run `kubectl run NAME --restart=Never --overrides=<spec>` (one CLI invocation, timed from
//               its spawn) until the watch sees the pod Ready
//   pod POST    POST /api/v1/namespaces/NS/pods of the same spec until the watch sees it Ready
// The baseline spec is the spec of the first sandbox pod of the run (same image, command, resources,
// volumes, security context, grace period), with the bench's own label instead of TensorBox's.
// Part 2, BURST creates at once (TensorBox, then the same number of plain pods): each timed until
// running / Ready from the moment all were fired; p50, p99, wall time until the last, creates/s;
// BURST_ROUNDS rounds, the order of the two flipped every round. A pod the nodes have no CPU room
// for (PodScheduled=False, Unschedulable) ends the wait for it and is counted apart.
import http from 'node:http';
import https from 'node:https';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const env = process.env;
const API = env.TENSORBOX_API_URL;
const KEY = env.TENSORBOX_API_KEY;
const NS = env.NAMESPACE || 'tbx-sandboxes';
const ROUNDS = +(env.ROUNDS || 20);
const WARMUP = +(env.WARMUP || 2);
const BURST = +(env.BURST || 50);
const POLL_MS = +(env.POLL_MS || 10);
const BURST_POLL_MS = +(env.BURST_POLL_MS || 20);
const TEMPLATE = env.TEMPLATE || 'base';
const PARTS = (env.PARTS || 'cold,burst').split(',');
const LABEL = 'tensorbox.io/bench';
const RUN = `b${Date.now().toString(36)}`;
if (!API || !KEY) throw new Error('TENSORBOX_API_URL and TENSORBOX_API_KEY must be set (run.sh does it)');

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the Kubernetes API, from the kubeconfig (one cluster/user with embedded data or a token) ----
const kc = fs.readFileSync(env.KUBECONFIG || `${env.HOME}/.kube/config`, 'utf8');
const field = (name) => (kc.match(new RegExp(`^\\s*${name}:\\s*(\\S+)\\s*$`, 'm')) || [])[1];
const kube = new URL(field('server'));
const b64 = (v) => (v ? Buffer.from(v, 'base64') : undefined);
const kubeAgent = new https.Agent({
  keepAlive: true,
  ca: b64(field('certificate-authority-data')),
  cert: b64(field('client-certificate-data')),
  key: b64(field('client-key-data')),
});
const kubeToken = field('token');
const apiAgent = new http.Agent({ keepAlive: true });

function request(base, agent, method, path, { body, headers = {}, stream } = {}) {
  const url = new URL(path, base);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) } }, (res) => {
      if (stream) return resolve(res);
      let s = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (s += d)).on('end', () => {
        if (res.statusCode >= 300) return reject(new Error(`${method} ${path}: ${res.statusCode} ${s.slice(0, 300)}`));
        resolve(s ? JSON.parse(s) : null);
      }).on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(JSON.stringify(body));
    req.end();
  });
}
const kubeHeaders = kubeToken ? { authorization: `Bearer ${kubeToken}` } : {};
const k8s = (method, path, opts = {}) => request(kube, kubeAgent, method, path, { ...opts, headers: kubeHeaders });
const tb = (method, path, body) => request(API, apiAgent, method, path, { body, headers: { authorization: `Bearer ${KEY}` } });

// ---- the pod watch ----
const pods = new Map(); // name -> { added, ready, gone } (performance.now() of the event's arrival)
const waiters = new Set();
const isReady = (p) => (p.status?.conditions || []).some((c) => c.type === 'Ready' && c.status === 'True');
let lastSpec = null; // first sandbox pod's spec seen
let watchRes = null;
let stopping = false;
function seen(type, pod) {
  const name = pod.metadata.name;
  const t = now();
  const e = pods.get(name) || {};
  if (e.added === undefined) e.added = t;
  if (e.ready === undefined && isReady(pod)) e.ready = t;
  if (type === 'DELETED') e.gone = t;
  e.pod = pod;
  pods.set(name, e);
  for (const w of waiters) w();
}
async function startWatch() {
  const list = await k8s('GET', `/api/v1/namespaces/${NS}/pods`);
  for (const p of list.items) seen('ADDED', p);
  let rv = list.metadata.resourceVersion;
  let opened;
  const opening = new Promise((r) => (opened = r));
  (async () => {
    while (!stopping) {
      try {
        const res = await k8s('GET', `/api/v1/namespaces/${NS}/pods?watch=1&allowWatchBookmarks=true&timeoutSeconds=900&resourceVersion=${rv}`, { stream: true });
        if (res.statusCode !== 200) throw new Error(`watch: ${res.statusCode}`);
        watchRes = res;
        opened();
        let buf = '';
        res.setEncoding('utf8');
        await new Promise((resolve) => {
          res.on('data', (d) => {
            buf += d;
            let i;
            while ((i = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              if (!line.trim()) continue;
              const ev = JSON.parse(line);
              if (ev.type === 'ERROR') { rv = (ev.object?.code === 410) ? null : rv; res.destroy(); continue; }
              rv = ev.object.metadata.resourceVersion;
              if (ev.type !== 'BOOKMARK') seen(ev.type, ev.object);
            }
          });
          res.on('end', resolve).on('error', resolve).on('close', resolve);
        });
        if (rv === null) {
          const l = await k8s('GET', `/api/v1/namespaces/${NS}/pods`);
          for (const p of l.items) seen('MODIFIED', p);
          rv = l.metadata.resourceVersion;
        }
      } catch (e) {
        if (!stopping) { console.error(`pod watch: ${e.message} (reopening)`); await sleep(200); }
      }
    }
  })();
  await opening;
}
function until(pred, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const v = pred();
      if (v !== undefined && v !== false) { waiters.delete(check); clearTimeout(timer); resolve(v); }
    };
    const timer = setTimeout(() => { waiters.delete(check); reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)); }, timeoutMs);
    waiters.add(check);
    check();
  });
}
const unschedulable = (p) => !!p && (p.status?.conditions || [])
  .some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
const readyOf = (name, ms = 120000) => until(() => pods.get(name)?.ready, ms, `pod ${name} Ready`);
const goneOf = (name, ms = 120000) => until(() => pods.get(name)?.gone, ms, `pod ${name} gone`);

// ---- the three kinds ----
const podName = (id) => id.replace('_', '-');
const created = new Set(); // sandbox ids still to delete
const basePods = new Set(); // baseline pod names still to delete

async function createSandbox(startedAt = now()) {
  const t0 = startedAt;
  const s = await tb('POST', '/v1/sandboxes', { template: TEMPLATE, timeout_seconds: 900, metadata: { bench: 'install', run: RUN } });
  created.add(s.id);
  return { id: s.id, pod: podName(s.id), t0, answered: now(), state: s.state };
}
async function untilRunning(sb, deadlineMs = 120000) {
  let state = sb.state;
  while (state !== 'running') {
    if (state !== 'pending') throw new Error(`sandbox ${sb.id} is ${state}`);
    if (now() - sb.t0 > deadlineMs) throw new Error(`sandbox ${sb.id} still pending after ${deadlineMs} ms`);
    await sleep(POLL_MS);
    state = (await tb('GET', `/v1/sandboxes/${sb.id}`)).state;
  }
  return now();
}
async function deleteSandbox(id) {
  await tb('DELETE', `/v1/sandboxes/${id}`);
  await goneOf(podName(id));
  created.delete(id);
}
function baselinePod(name) {
  const s = structuredClone(lastSpec);
  delete s.nodeName;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { [LABEL]: RUN } }, spec: s };
}
async function deletePod(name) {
  try {
    await k8s('DELETE', `/api/v1/namespaces/${NS}/pods/${name}`);
  } catch (e) {
    if (!/: 404 /.test(e.message)) throw e;
  }
  await goneOf(name);
  basePods.delete(name);
}
function kubectl(args) {
  return new Promise((resolve, reject) => {
    const p = spawn('kubectl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kubectl ${args[0]}: exit ${code}: ${err.trim()}`))));
  });
}

/**
 * When an SDK's create would return, from its wait loop: after a `pending` answer it sleeps 50 ms,
 * GETs, and doubles the sleep up to `capMs` (Java, Python, Go: 500; TypeScript: 1000). Computed from
 * the answer and running times seen here, GET round trips not counted (so a lower bound).
 */
function sdkSees(answeredMs, runningMs, capMs) {
  let t = answeredMs;
  for (let pause = 50; t < runningMs; pause = Math.min(capMs, pause * 2)) t += pause;
  return t;
}

let seq = 0;
const samples = { tb: [], tbAnswer: [], tbAdded: [], tbReady: [], tbLag: [], sdk500: [], sdk1000: [], kubectl: [], kubectlExit: [], kubectlAdded: [], pod: [], podAdded: [], kstart: [] };
async function sampleTensorBox(keep) {
  const sb = await createSandbox();
  const running = await untilRunning(sb);
  await readyOf(sb.pod, 10000); // normally long seen (running follows Ready)
  const e = pods.get(sb.pod);
  if (!lastSpec) lastSpec = e.pod.spec;
  if (keep) {
    samples.tb.push(running - sb.t0);
    samples.tbAnswer.push(sb.answered - sb.t0);
    samples.tbAdded.push(e.added - sb.t0);
    samples.tbReady.push(e.ready - sb.t0);
    samples.tbLag.push(running - e.ready);
    samples.sdk500.push(sdkSees(sb.answered - sb.t0, running - sb.t0, 500));
    samples.sdk1000.push(sdkSees(sb.answered - sb.t0, running - sb.t0, 1000));
  }
  await deleteSandbox(sb.id);
}
async function sampleKubectlRun(keep) {
  const name = `bench-${RUN}-k${seq++}`;
  const spec = baselinePod(name).spec;
  basePods.add(name);
  const t0 = now();
  await kubectl(['run', name, '-n', NS, `--image=${spec.containers[0].image}`, '--restart=Never',
    `--labels=${LABEL}=${RUN}`, `--overrides=${JSON.stringify({ apiVersion: 'v1', spec })}`]);
  const exited = now();
  const ready = await readyOf(name);
  if (keep) {
    samples.kubectl.push(ready - t0);
    samples.kubectlExit.push(exited - t0);
    samples.kubectlAdded.push(pods.get(name).added - t0);
  }
  await deletePod(name);
}
async function samplePodPost(keep) {
  const name = `bench-${RUN}-p${seq++}`;
  basePods.add(name);
  const t0 = now();
  await k8s('POST', `/api/v1/namespaces/${NS}/pods`, { body: baselinePod(name) });
  const ready = await readyOf(name);
  if (keep) {
    samples.pod.push(ready - t0);
    samples.podAdded.push(pods.get(name).added - t0);
  }
  await deletePod(name);
}
async function kubectlStartup() {
  // one kubectl invocation that loads the kubeconfig and does one request, as `kubectl run` does
  const t0 = now();
  await kubectl(['get', 'pod', '-n', NS, `bench-${RUN}-none`, '--ignore-not-found', '-o', 'name']);
  samples.kstart.push(now() - t0);
}

// ---- figures ----
const pct = (xs, p) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)] : NaN;
};
const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const row = (label, xs) => console.log(`| ${label} | ${xs.length} | ${f(pct(xs, 50))} | ${f(pct(xs, 99))} | ${f(Math.min(...xs))} | ${f(Math.max(...xs))} |`);
const stamp = () => new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
const load = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

async function cold() {
  console.log(`\n## cold create, ${ROUNDS} rounds after ${WARMUP} warm-up; ${stamp()}; load ${load()}`);
  const kinds = [sampleTensorBox, sampleKubectlRun, samplePodPost];
  for (let r = 0; r < WARMUP + ROUNDS; r++) {
    const keep = r >= WARMUP;
    if (!lastSpec) await sampleTensorBox(false); // the baseline spec comes from a sandbox pod
    for (let k = 0; k < kinds.length; k++) await kinds[(r + k) % kinds.length](keep);
    if (keep) await kubectlStartup();
    process.stderr.write(`round ${r + 1}/${WARMUP + ROUNDS} tb ${f(samples.tb.at(-1))} kubectl ${f(samples.kubectl.at(-1))} pod ${f(samples.pod.at(-1))}\n`);
  }
  console.log(`end ${stamp()}; load ${load()}\n`);
  console.log('| measure (ms from the request) | n | p50 | p99 | min | max |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  row(`**TensorBox** POST /v1/sandboxes → GET says running (poll ${POLL_MS} ms)`, samples.tb);
  row('… POST answered (state pending)', samples.tbAnswer);
  row('… its pod seen by the watch', samples.tbAdded);
  row('… its pod Ready (watch)', samples.tbReady);
  row('… pod Ready → running seen, per sample', samples.tbLag);
  row('… when create returns in the Java/Python/Go SDK (50 ms doubling to 500 ms; computed)', samples.sdk500);
  row('… when create returns in the TypeScript SDK (50 ms doubling to 1 s; computed)', samples.sdk1000);
  row('**kubectl run** (one CLI invocation) → pod Ready (watch)', samples.kubectl);
  row('… kubectl exited', samples.kubectlExit);
  row('… pod seen by the watch', samples.kubectlAdded);
  row('**pod POST** to the API server → Ready (watch)', samples.pod);
  row('… pod seen by the watch', samples.podAdded);
  row('kubectl start-up alone (`kubectl get pod X --ignore-not-found`)', samples.kstart);
  const r = (a, b) => (pct(a, 50) / pct(b, 50)).toFixed(2);
  console.log(`\nratios at p50: TensorBox / kubectl run ${r(samples.tb, samples.kubectl)} (aim ≤ 1.1), `
    + `TensorBox / pod POST ${r(samples.tb, samples.pod)}; at p99: / kubectl run `
    + `${(pct(samples.tb, 99) / pct(samples.kubectl, 99)).toFixed(2)}, / pod POST ${(pct(samples.tb, 99) / pct(samples.pod, 99)).toFixed(2)}`);
  console.log(`TensorBox at p50: pod seen ${f(pct(samples.tbAdded, 50))} ms after the POST (pod POST: ${f(pct(samples.podAdded, 50))}), `
    + `pod Ready → running seen ${f(pct(samples.tbLag, 50))} ms`);
}

const cpu = (q) => (!q ? 0 : q.endsWith('m') ? +q.slice(0, -1) : q.endsWith('n') ? +q.slice(0, -1) / 1e6 : +q * 1000);
/** How many more pods of the sandbox spec the nodes have CPU requests room for. */
async function room() {
  const nodes = (await k8s('GET', '/api/v1/nodes')).items;
  const all = (await k8s('GET', '/api/v1/pods?fieldSelector=status.phase!%3DSucceeded,status.phase!%3DFailed')).items;
  const want = lastSpec.containers.reduce((a, c) => a + cpu(c.resources?.requests?.cpu), 0);
  let fit = 0;
  for (const n of nodes) {
    const used = all.filter((p) => p.spec.nodeName === n.metadata.name)
      .reduce((a, p) => a + p.spec.containers.reduce((b, c) => b + cpu(c.resources?.requests?.cpu), 0), 0);
    fit += want > 0 ? Math.floor((cpu(n.status.allocatable.cpu) - used) / want) : Infinity;
  }
  return { fit, want, nodes: nodes.length };
}

async function burstTensorBox() {
  const t0 = now();
  const settled = await Promise.allSettled(Array.from({ length: BURST }, () => createSandbox(t0)));
  const sbs = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const refused = settled.filter((s) => s.status === 'rejected').map((s) => s.reason.message);
  const running = new Map();
  const failed = new Set();
  const deadline = t0 + 180000;
  // done when every sandbox runs, failed, or waits for room on a node (its pod Unschedulable)
  const stuck = () => sbs.filter((s) => !running.has(s.id) && unschedulable(pods.get(s.pod)?.pod));
  for (let i = 0; running.size + failed.size + stuck().length < sbs.length && now() < deadline; i++) {
    const list = await tb('GET', '/v1/sandboxes?state=running');
    const t = now();
    for (const s of list.sandboxes) if (!running.has(s.id)) running.set(s.id, t);
    if (i % 25 === 24) for (const s of (await tb('GET', '/v1/sandboxes?state=failed')).sandboxes) failed.add(s.id);
    await sleep(BURST_POLL_MS);
  }
  const ran = sbs.filter((s) => running.has(s.id));
  const notRunning = sbs.filter((s) => !running.has(s.id));
  const unplaced = stuck().length;
  const states = {};
  for (const s of notRunning) {
    const v = await tb('GET', `/v1/sandboxes/${s.id}`);
    states[v.state] = (states[v.state] || 0) + 1;
  }
  const res = {
    kind: 'TensorBox',
    done: ran.map((s) => running.get(s.id) - t0),
    answered: sbs.map((s) => s.answered - t0),
    ready: sbs.map((s) => pods.get(s.pod)?.ready).filter((x) => x !== undefined).map((x) => x - t0),
    lag: ran.filter((s) => pods.get(s.pod)?.ready !== undefined).map((s) => running.get(s.id) - pods.get(s.pod).ready),
  };
  const byReady = ran.filter((s) => pods.get(s.pod)?.ready !== undefined).sort((a, b) => pods.get(a.pod).ready - pods.get(b.pod).ready);
  console.log(`  per sandbox in the order their pods became Ready: Ready, running (s after the burst): ${byReady
    .map((s) => `${((pods.get(s.pod).ready - t0) / 1000).toFixed(1)}→${((running.get(s.id) - t0) / 1000).toFixed(1)}`).join(' ')}`);
  console.log(`TensorBox: ${sbs.length} POSTs answered (${refused.length} refused${refused.length ? `: ${refused[0]}` : ''}), `
    + `${ran.length} running${notRunning.length ? `, not running: ${JSON.stringify(states)}, ${unplaced} of them Unschedulable (no room)` : ''}; load ${load()}`);
  const t1 = now();
  await Promise.all(sbs.map((s) => deleteSandbox(s.id).catch((e) => console.error(`delete ${s.id}: ${e.message}`))));
  console.log(`  deleted, every pod gone ${f(now() - t1)} ms after the DELETEs; load ${load()}`);
  return res;
}

async function burstPods() {
  const names = Array.from({ length: BURST }, () => `bench-${RUN}-b${seq++}`);
  names.forEach((n) => basePods.add(n));
  const p0 = now();
  const posted = await Promise.allSettled(names.map((n) => k8s('POST', `/api/v1/namespaces/${NS}/pods`, { body: baselinePod(n) }).then(() => now() - p0)));
  await until(() => names.every((n) => pods.get(n)?.ready || unschedulable(pods.get(n)?.pod)) || undefined, 180000, 'baseline pods Ready')
    .catch(() => {});
  const res = {
    kind: 'pod POST',
    done: names.map((n) => pods.get(n)?.ready).filter((x) => x !== undefined).map((x) => x - p0),
    answered: posted.filter((p) => p.status === 'fulfilled').map((p) => p.value),
  };
  console.log(`pod POST: ${res.answered.length} created, ${res.done.length} Ready, `
    + `${names.filter((n) => unschedulable(pods.get(n)?.pod)).length} Unschedulable; load ${load()}`);
  const t2 = now();
  await Promise.all(names.map((n) => deletePod(n).catch((e) => console.error(`delete ${n}: ${e.message}`))));
  console.log(`  deleted, every pod gone ${f(now() - t2)} ms after the DELETEs; load ${load()}`);
  return res;
}

const BURST_ROUNDS = +(env.BURST_ROUNDS || 1);
async function burst() {
  if (!lastSpec) await sampleTensorBox(false);
  const r = await room();
  console.log(`\nroom: ${r.nodes} node(s) have CPU requests room for ${r.fit} more pods of ${r.want}m (the template's request)`);
  if (r.fit < BURST) console.log(`**only ${r.fit} of the ${BURST} can run at once here; the rest wait Unschedulable**`);
  for (let round = 0; round < BURST_ROUNDS; round++) {
    console.log(`\n## ${BURST} creates at once, round ${round + 1}/${BURST_ROUNDS}; ${stamp()}; load ${load()}`);
    const order = round % 2 === 0 ? [burstTensorBox, burstPods] : [burstPods, burstTensorBox];
    const [x, y] = [await order[0](), await order[1]()];
    const [ours, pod] = x.kind === 'TensorBox' ? [x, y] : [y, x];
    console.log(`end ${stamp()}; load ${load()}\n`);
    console.log('| measure (ms from the moment all were fired) | n | p50 | p99 | min | max |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    row(`**TensorBox** POST → running (list polled every ${BURST_POLL_MS} ms)`, ours.done);
    row('… POST answered', ours.answered);
    row('… its pod Ready (watch)', ours.ready);
    row('… pod Ready → running, per sandbox', ours.lag);
    row('**pod POST** → Ready (watch)', pod.done);
    row('… POST answered', pod.answered);
    const wall = (xs) => Math.max(...xs);
    console.log(`\nwall time until the last: TensorBox ${f(wall(ours.done))} ms = ${(ours.done.length / (wall(ours.done) / 1000)).toFixed(2)} creates/s `
      + `(${ours.done.length} running); pod POST ${f(wall(pod.done))} ms = ${(pod.done.length / (wall(pod.done) / 1000)).toFixed(2)} pods/s `
      + `(${pod.done.length} Ready); TensorBox / pod POST: p50 ${(pct(ours.done, 50) / pct(pod.done, 50)).toFixed(2)}, `
      + `p99 ${(pct(ours.done, 99) / pct(pod.done, 99)).toFixed(2)}, wall ${(wall(ours.done) / wall(pod.done)).toFixed(2)}`);
  }
}

async function cleanup() {
  for (const id of [...created]) await tb('DELETE', `/v1/sandboxes/${id}`).catch(() => {});
  for (const n of [...basePods]) await k8s('DELETE', `/api/v1/namespaces/${NS}/pods/${n}`).catch(() => {});
  await Promise.all([...created].map((id) => goneOf(podName(id), 60000).catch(() => {})));
  await Promise.all([...basePods].map((n) => goneOf(n, 60000).catch(() => {})));
}

let failed = false;
try {
  await startWatch();
  console.log(`${stamp()}; API ${API}; namespace ${NS}; template ${TEMPLATE}; run ${RUN}; load ${load()}`);
  if (PARTS.includes('cold')) await cold();
  if (PARTS.includes('burst')) await burst();
} catch (e) {
  failed = true;
  console.error(e.stack || e.message);
} finally {
  await cleanup();
  stopping = true;
  watchRes?.destroy();
  apiAgent.destroy();
  kubeAgent.destroy();
}
process.exit(failed ? 1 : 0);
