#!/usr/bin/env node
// TypeScript SDK overhead: `sandbox.commands.run('true')` beside the same call made with raw fetch,
// in one process, against one sandbox, alternated call by call (order flipped every round).
//
//   cd sdk/typescript && npm ci && npm run build && cd -
//   TENSORBOX_API_URL=http://localhost:8080 TENSORBOX_API_KEY=ask_... node bench/sdk/typescript/bench.mjs [N=200]
//   node bench/sdk/typescript/bench.mjs [N] --mock   # against an in-process canned server: the SDK's own
//                                                    # cost, without the platform's (noisy) latency
//
// Measures (ms per call, after WARMUP calls of each):
//   sdk       sandbox.commands.run('true')  (POST {runtime_url}/run, Accept: text/event-stream, parsed)
//   raw-json  fetch POST {runtime_url}/run  {"cmd":"true"}, JSON answer, X-Access-Token  (the baseline)
//   raw-sse   fetch POST {runtime_url}/run  with Accept: text/event-stream, body read to the end
//             (the SDK's own wire without the SDK: separates SDK cost from JSON-vs-SSE server cost)
import { createServer } from 'node:http';
import { Sandbox } from '../../../sdk/typescript/dist/index.js';

const args = process.argv.slice(2);
const mock = args.includes('--mock');
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
const WARMUP = Math.min(20, N);
const mockServer = mock ? await startMock() : undefined;
const apiUrl = mock
  ? `http://127.0.0.1:${mockServer.address().port}`
  : (process.env.TENSORBOX_API_URL ?? 'http://localhost:8080').replace(/\/+$/, '');
const apiKey = mock ? 'ask_mock_mock' : process.env.TENSORBOX_API_KEY;
if (!apiKey) {
  console.error('set TENSORBOX_API_KEY (and TENSORBOX_API_URL)');
  process.exit(2);
}

// create with raw fetch to learn the access token, then attach the SDK with that same token
const createdRes = await fetch(`${apiUrl}/v1/sandboxes`, {
  method: 'POST',
  headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ timeout_seconds: 600, metadata: { bench: 'sdk-typescript' } }),
});
if (createdRes.status !== 201) throw new Error(`create: ${createdRes.status} ${await createdRes.text()}`);
const created = await createdRes.json();
const sandbox = await Sandbox.connect(created.id, { apiUrl, apiKey, accessToken: created.access_token });
const runUrl = `${created.runtime_url}/run`;
const body = JSON.stringify({ cmd: 'true' });

async function sdk() {
  const r = await sandbox.commands.run('true');
  if (r.exitCode !== 0) throw new Error(`sdk exit ${r.exitCode}`);
}
async function rawJson() {
  const res = await fetch(runUrl, {
    method: 'POST',
    headers: { 'x-access-token': created.access_token, 'content-type': 'application/json' },
    body,
  });
  const r = await res.json();
  if (r.exit_code !== 0) throw new Error(`raw exit ${r.exit_code}`);
}
async function rawSse() {
  const res = await fetch(runUrl, {
    method: 'POST',
    headers: { 'x-access-token': created.access_token, 'content-type': 'application/json', accept: 'text/event-stream' },
    body,
  });
  const text = await res.text();
  if (!text.includes('"exit_code":0')) throw new Error(`raw sse: ${text}`);
}

const kinds = { sdk, 'raw-json': rawJson, 'raw-sse': rawSse };
const names = Object.keys(kinds);
const samples = Object.fromEntries(names.map((n) => [n, []]));

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
  await sandbox.kill();
  if (mockServer) {
    mockServer.closeAllConnections();
    mockServer.close();
  }
}

/** A canned TensorBox answering create, delete and POST /run (JSON or SSE, like the platform). */
async function startMock() {
  const sse =
    'content-type:text/plain\nevent:start\ndata:{"pid":1}\n\n' +
    'content-type:text/plain\nevent:exit\ndata:{"exit_code":0,"duration_ms":1,"timed_out":false}\n\n';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const base = `http://127.0.0.1:${server.address().port}/v1/sandboxes/sbx_mock`;
      if (req.method === 'POST' && req.url === '/v1/sandboxes') {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'sbx_mock', template: 'base', state: 'running', created_at: 1, started_at: 1,
          expires_at: 2, metadata: {}, runtime_url: base, access_token: 'sat_mock' }));
      } else if (req.method === 'GET' && req.url === '/v1/sandboxes/sbx_mock') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'sbx_mock', template: 'base', state: 'running', created_at: 1, started_at: 1,
          expires_at: 2, metadata: {}, runtime_url: base }));
      } else if (req.method === 'DELETE') {
        res.writeHead(204).end();
      } else if (req.headers.accept === 'text/event-stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse.slice(0, 60)); // the start event first, the exit event in a later chunk
        setImmediate(() => res.end(sse.slice(60)));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"stdout":"","stderr":"","exit_code":0,"duration_ms":1,"timed_out":false,"truncated":false}');
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { p50: q(0.5), p99: q(0.99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const f = (x) => x.toFixed(2).padStart(8);
const st = Object.fromEntries(names.map((n) => [n, stats(samples[n])]));
console.log(`TypeScript SDK bench: N=${N} per kind (+${WARMUP} warm-up), alternated, node ${process.version}, ${mock ? 'in-process mock server' : apiUrl}`);
console.log('kind          p50 ms   p99 ms  mean ms');
for (const n of names) console.log(`${n.padEnd(10)}${f(st[n].p50)} ${f(st[n].p99)} ${f(st[n].mean)}`);
for (const base of ['raw-json', 'raw-sse']) {
  console.log(
    `sdk - ${base.padEnd(8)} p50 ${f(st.sdk.p50 - st[base].p50)}  p99 ${f(st.sdk.p99 - st[base].p99)}  mean ${f(st.sdk.mean - st[base].mean)}`,
  );
}
