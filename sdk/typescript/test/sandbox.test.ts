import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import {
  AuthenticationError,
  ConflictError,
  ForbiddenError,
  InvalidArgumentError,
  NotFoundError,
  Sandbox,
  TensorBoxError,
  TimeoutError,
} from 'tensorbox';
import { API_KEY, API_URL, killAll, newSandbox } from './helpers.js';

let sandbox: Sandbox;

before(async () => {
  sandbox = await newSandbox({ file: 'sandbox' });
});
after(killAll);

test('create: id, sandboxId, running, metadata and runtime URL; commands use the access token', async () => {
  assert.match(sandbox.sandboxId, /^sbx_[0-9a-f]{24}$/);
  assert.equal(sandbox.id, sandbox.sandboxId);
  assert.equal(sandbox.runtimeUrl, `${API_URL.replace(/\/+$/, '')}/v1/sandboxes/${sandbox.sandboxId}`);
  const info = await sandbox.getInfo();
  assert.equal(info.sandboxId, sandbox.sandboxId);
  assert.equal(info.state, 'running');
  assert.equal(info.template, 'base');
  assert.deepEqual(info.metadata, { suite: 'sdk-typescript', file: 'sandbox' });
  assert.ok(info.startedAt instanceof Date);
  assert.ok(info.expiresAt.getTime() > Date.now());
  assert.equal(await sandbox.isRunning(), true);
  // the Processes API refuses the access token (403): a working processes.list() shows the key is used there
  assert.deepEqual(await sandbox.processes.list(), []);
});

test('create(template, opts) with envs and timeoutMs; envs reach commands', async () => {
  const s = await Sandbox.create('base', { timeoutMs: 90_500, envs: { GREETING: 'hello from env' } });
  try {
    const info = await s.getInfo();
    const lifetime = info.expiresAt.getTime() - info.createdAt.getTime();
    assert.equal(lifetime, 91_000); // rounded up to whole seconds
    assert.equal((await s.commands.run('echo "$GREETING"')).stdout, 'hello from env\n');
  } finally {
    await s.kill();
  }
  assert.equal((await Sandbox.getInfo(s.sandboxId)).state, 'stopped');
});

test('connect(id): no access token, runtime calls use the API key', async () => {
  const again = await Sandbox.connect(sandbox.sandboxId);
  assert.equal(again.sandboxId, sandbox.sandboxId);
  const res = await again.commands.run('echo connected');
  assert.equal(res.stdout, 'connected\n');
  assert.equal(res.exitCode, 0);
});

test('list, list({state}), setTimeout (instance and static), getHost', async () => {
  const all = await Sandbox.list();
  assert.ok(all.some((s) => s.sandboxId === sandbox.sandboxId));
  const running = await Sandbox.list({ state: 'running' });
  assert.ok(running.every((s) => s.state === 'running'));
  assert.ok(running.some((s) => s.sandboxId === sandbox.sandboxId));
  assert.ok(!(await Sandbox.list({ state: 'stopped' })).some((s) => s.sandboxId === sandbox.sandboxId));

  await sandbox.setTimeout(600_000);
  let info = await sandbox.getInfo();
  assert.ok(Math.abs(info.expiresAt.getTime() - (Date.now() + 600_000)) < 5_000, `expires ${info.expiresAt.toISOString()}`);
  await Sandbox.setTimeout(sandbox.sandboxId, 200_000);
  info = await sandbox.getInfo();
  assert.ok(Math.abs(info.expiresAt.getTime() - (Date.now() + 200_000)) < 5_000, `expires ${info.expiresAt.toISOString()}`);

  const id = sandbox.sandboxId.replace('sbx_', 'sbx-');
  assert.equal(sandbox.getHost(3000), `3000-${id}.${new URL(API_URL).hostname}`);
  const custom = await Sandbox.connect(sandbox.sandboxId, { domain: 'preview.example.com' });
  assert.equal(custom.getHost(8080), `8080-${id}.preview.example.com`);
  const saved = process.env.TENSORBOX_DOMAIN;
  process.env.TENSORBOX_DOMAIN = 'env.example.org';
  try {
    assert.equal((await Sandbox.connect(sandbox.sandboxId)).getHost(1), `1-${id}.env.example.org`);
  } finally {
    if (saved === undefined) delete process.env.TENSORBOX_DOMAIN;
    else process.env.TENSORBOX_DOMAIN = saved;
  }
});

test('static kill and instance kill: true, then false / no error when already gone', async () => {
  const a = await Sandbox.create({ timeoutMs: 60_000 });
  assert.equal(await Sandbox.kill(a.sandboxId), true);
  assert.equal(await Sandbox.kill(a.sandboxId), true); // the record stays: deleting a stopped one is still 204
  assert.equal(await Sandbox.kill('sbx_000000000000000000000000'), false);
  assert.equal((await a.getInfo()).state, 'stopped');
  await a.kill(); // no error
  await assert.rejects(a.commands.run('true'), (e: unknown) => e instanceof TensorBoxError && e.status >= 400);
});

test('errors: a bad key is an AuthenticationError carrying the server message', async () => {
  const err = await Sandbox.list({ apiKey: 'ask_nosuchkey_0000' }).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof AuthenticationError, String(err));
  assert.ok(err instanceof TensorBoxError);
  assert.equal(err.status, 401);
  assert.ok(err.code.length > 0);
  // the message is the server's own: compare with the raw answer
  const raw = await fetch(`${API_URL}/v1/sandboxes`, { headers: { authorization: 'Bearer ask_nosuchkey_0000' } });
  const body = (await raw.json()) as { error: { code: string; message: string } };
  assert.equal(err.message, body.error.message);
  assert.equal(err.code, body.error.code);
  await assert.rejects(Sandbox.create({ apiKey: 'malformed' }), AuthenticationError);
});

test('errors: unknown sandbox is a NotFoundError with the server message', async () => {
  const missing = 'sbx_0123456789abcdef01234567';
  const err = await Sandbox.connect(missing).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof NotFoundError, String(err));
  assert.equal(err.status, 404);
  assert.equal(err.code, 'sandbox_not_found');
  assert.ok(err.message.includes(missing), err.message);
  await assert.rejects(Sandbox.getInfo(missing), NotFoundError);
  await assert.rejects(Sandbox.setTimeout(missing, 1000), NotFoundError);
});

test('errors: bad input is an InvalidArgumentError, a 403 a ForbiddenError, a wrong state a ConflictError', async () => {
  await assert.rejects(Sandbox.create({ template: 'no-such-template' }), (e: unknown) => {
    assert.ok(e instanceof TensorBoxError && e.status >= 400 && e.status < 500, String(e));
    return true;
  });
  await assert.rejects(Sandbox.list({ state: 'bogus' as never }), InvalidArgumentError);
  // a viewer key may read but not create
  const admin = await fetch(`${API_URL}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sdk-ts-viewer', role: 'viewer' }),
  });
  assert.equal(admin.status, 201);
  const viewer = (await admin.json()) as { id: string; key: string };
  try {
    assert.ok(Array.isArray(await Sandbox.list({ apiKey: viewer.key })));
    await assert.rejects(Sandbox.create({ apiKey: viewer.key }), ForbiddenError);
  } finally {
    await fetch(`${API_URL}/v1/api-keys/${viewer.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${API_KEY}` } });
  }
  const stopped = await Sandbox.create({ timeoutMs: 60_000 });
  await stopped.kill();
  await assert.rejects(Sandbox.setTimeout(stopped.sandboxId, 10_000), ConflictError);
});

test('config: a missing key says to set TENSORBOX_API_KEY; apiUrl option and env', async () => {
  const saved = process.env.TENSORBOX_API_KEY;
  delete process.env.TENSORBOX_API_KEY;
  try {
    await assert.rejects(Sandbox.list(), (e: unknown) => {
      assert.ok(e instanceof AuthenticationError);
      assert.match(e.message, /TENSORBOX_API_KEY/);
      return true;
    });
    assert.ok(Array.isArray(await Sandbox.list({ apiKey: saved })));
  } finally {
    process.env.TENSORBOX_API_KEY = saved;
  }
  // nothing listens on port 1: a connection error, typed, naming the URL
  await assert.rejects(Sandbox.list({ apiUrl: 'http://127.0.0.1:1' }), (e: unknown) => {
    assert.ok(e instanceof TensorBoxError && e.status === 0 && e.code === 'connection_error', String(e));
    assert.match(e.message, /127\.0\.0\.1:1/);
    return true;
  });
});

test('requestTimeoutMs: no headers in time is a TimeoutError', async () => {
  const held: Array<() => void> = [];
  const server = createServer((_req, res) => held.push(() => res.end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const started = Date.now();
    await assert.rejects(Sandbox.list({ apiUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 200 }), (e: unknown) => {
      assert.ok(e instanceof TimeoutError, String(e));
      assert.equal(e.code, 'request_timeout');
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 190 && elapsed < 5_000, `elapsed ${elapsed}`);
  } finally {
    held.forEach((end) => end());
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
