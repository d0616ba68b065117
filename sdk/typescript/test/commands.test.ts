import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthenticationError, ConflictError, InvalidArgumentError, NotFoundError, Sandbox, TensorBoxError } from 'tensorbox';
import type { CommandHandle, CommandResult } from 'tensorbox';
import { API_KEY, API_URL, deferred, killAll, newSandbox, until, within } from './helpers.js';

let sandbox: Sandbox;

before(async () => {
  sandbox = await newSandbox({ file: 'commands' });
});
after(killAll);

/** A shell line that prints `first`, blocks until `file` exists in the workspace, then prints `second`. */
const gated = (file: string) => `echo first; while [ ! -e ${file} ]; do sleep 0.02; done; echo second; echo late >&2; exit 7`;

test('run: stdout, stderr, a non-zero exit code is a result', async () => {
  const res = await sandbox.commands.run('echo out; echo err >&2; exit 3');
  assert.equal(res.stdout, 'out\n');
  assert.equal(res.stderr, 'err\n');
  assert.equal(res.exitCode, 3);
  assert.equal(res.timedOut, false);
  assert.equal(typeof res.durationMs, 'number');
  const missing = await sandbox.commands.run('no-such-command-xyz');
  assert.equal(missing.exitCode, 127);
  assert.match(missing.stderr, /no-such-command-xyz/);
});

test('run: shell lines, cwd (relative), envs, user, stdin', async () => {
  await sandbox.commands.run('mkdir -p sub/dir && echo content > sub/dir/file.txt');
  const res = await sandbox.commands.run('cat file.txt | tr a-z A-Z && pwd', { cwd: 'sub/dir' });
  assert.equal(res.exitCode, 0);
  assert.match(res.stdout, /^CONTENT\n.*\/sub\/dir\n$/);
  const env = await sandbox.commands.run('echo "$A-$B"', { envs: { A: 'one', B: 'two words' } });
  assert.equal(env.stdout, 'one-two words\n');
  const user = await sandbox.commands.run('echo ok', { user: 'user' });
  assert.equal(user.stdout, 'ok\n');
  const stdin = await sandbox.commands.run('wc -l', { stdin: 'a\nb\nc\n' });
  assert.equal(stdin.stdout.trim(), '3');
  const unicode = await sandbox.commands.run(`printf '%s' 'héllo 世界 ✓'`);
  assert.equal(unicode.stdout, 'héllo 世界 ✓');
});

test('run: invalid input is an InvalidArgumentError with the server message', async () => {
  const err = await sandbox.commands.run('pwd', { cwd: 'does/not/exist' }).then(
    () => assert.fail('expected an error'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof InvalidArgumentError, String(err));
  assert.equal(err.status, 400);
  assert.match(err.message, /cwd/);
  await assert.rejects(sandbox.commands.run('whoami', { user: 'no-such-user-xyz' }), InvalidArgumentError);
});

test('run: onStdout/onStderr fire while the command runs, before it ends', async () => {
  const gotFirst = deferred();
  const chunks: Array<[string, string]> = [];
  let ended = false;
  const running = sandbox.commands
    .run(gated('go-fg'), {
      onStdout: (d) => {
        chunks.push(['out', d]);
        if (d.includes('first')) gotFirst.resolve();
      },
      onStderr: (d) => {
        chunks.push(['err', d]);
      },
    })
    .finally(() => (ended = true));
  await within(10_000, 'the first stdout chunk', gotFirst.promise);
  assert.equal(ended, false, 'the command cannot have ended: it waits for go-fg');
  await sandbox.commands.run('touch go-fg');
  const res = await within(10_000, 'the gated command', running);
  assert.equal(res.exitCode, 7);
  assert.equal(res.stdout, 'first\nsecond\n');
  assert.equal(res.stderr, 'late\n');
  assert.equal(chunks.filter(([k]) => k === 'out').map(([, d]) => d).join(''), 'first\nsecond\n');
  assert.equal(chunks.filter(([k]) => k === 'err').map(([, d]) => d).join(''), 'late\n');
});

test('run: timeoutMs kills the command and gives a timed-out result', async () => {
  const started = Date.now();
  // the deadline counts from the request, so it leaves room for a pod's exec to start on a loaded node
  const res = await sandbox.commands.run('echo before; sleep 30; echo after', { timeoutMs: 2000 });
  assert.equal(res.timedOut, true);
  assert.equal(res.exitCode, -1);
  assert.equal(res.stdout, 'before\n');
  assert.ok(Date.now() - started < 12_000);
});

test('run: requestTimeoutMs bounds the headers, not the command', async () => {
  // the command outlives requestTimeoutMs by far; the headers come at once (1.5 s of slack for a loaded machine)
  const started = Date.now();
  const res = await sandbox.commands.run('sleep 3; echo done', { requestTimeoutMs: 1500 });
  assert.equal(res.stdout, 'done\n');
  assert.ok(Date.now() - started >= 3000);
});

test('run: a throwing callback rejects run with that error', async () => {
  const boom = new Error('boom from callback');
  await assert.rejects(
    sandbox.commands.run('echo x; sleep 5', { onStdout: () => { throw boom; } }),
    (e: unknown) => e === boom,
  );
});

test('background: handle with pid/processId, callbacks before the end, wait() gives merged output', async () => {
  const gotFirst = deferred();
  const seen: string[] = [];
  const handle: CommandHandle = await sandbox.commands.run(gated('go-bg'), {
    background: true,
    onStdout: (d) => {
      seen.push(d);
      if (seen.join('').includes('first')) gotFirst.resolve();
    },
    onStderr: () => assert.fail('background output all goes to onStdout'),
  });
  assert.ok(Number.isInteger(handle.pid) && handle.pid > 0);
  assert.match(handle.processId, /^proc_[0-9a-f]{24}$/);
  await within(10_000, 'the first background chunk', gotFirst.promise);
  assert.equal(handle.exitCode, undefined, 'still running: it waits for go-bg');
  const listed = await sandbox.commands.list();
  const entry = listed.find((p) => p.pid === handle.pid);
  assert.ok(entry, 'a running command is listed');
  assert.equal(entry.processId, handle.processId);
  assert.equal(entry.status, 'running');
  assert.equal(entry.cmd, gated('go-bg'));
  assert.equal(entry.exitCode, undefined);
  await sandbox.commands.run('touch go-bg');
  const result: CommandResult = await within(10_000, 'wait()', handle.wait());
  assert.deepEqual(result, { stdout: 'first\nsecond\nlate\n', stderr: '', exitCode: 7 });
  assert.equal(seen.join(''), 'first\nsecond\nlate\n');
  assert.equal(handle.stdout, 'first\nsecond\nlate\n');
  assert.equal(handle.exitCode, 7);
  // ended: no longer in the running list, in the full list with its exit code
  assert.ok(!(await sandbox.commands.list()).some((p) => p.pid === handle.pid));
  const ended = (await sandbox.commands.list({ all: true })).find((p) => p.processId === handle.processId);
  assert.equal(ended?.status, 'exited');
  assert.equal(ended?.exitCode, 7);
  // a background command is a process record of the Processes API
  const record = await sandbox.processes.get(handle.processId);
  assert.equal(record.pid, handle.pid);
  assert.equal(record.exitCode, 7);
});

test('background: output written before the stream opened is not lost (offset 0)', async () => {
  const handle = await sandbox.commands.run('for i in 1 2 3 4 5; do echo line$i; done', { background: true });
  const res = await within(10_000, 'wait()', handle.wait());
  assert.equal(res.stdout, 'line1\nline2\nline3\nline4\nline5\n');
  assert.equal(res.exitCode, 0);
});

test('background: kill() ends it, wait() then resolves with exit code -1; kill of an unknown pid is false', async () => {
  const handle = await sandbox.commands.run('echo started; sleep 60', { background: true });
  await until('output', () => handle.stdout.includes('started'));
  assert.equal(await handle.kill(), true);
  const res = await within(10_000, 'wait() after kill', handle.wait());
  assert.equal(res.exitCode, -1);
  assert.equal(res.stdout, 'started\n');
  assert.equal(await handle.kill(), true, 'an ended process answers 204 to a kill');
  assert.equal(await sandbox.commands.kill(999_999_999), false);
});

test('background: disconnect() leaves it running; connect(pid) streams from now; commands.kill(pid)', async () => {
  const handle = await sandbox.commands.run('i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.05; done', {
    background: true,
  });
  await until('first tick', () => handle.stdout.includes('tick1'));
  handle.disconnect();
  await assert.rejects(within(5_000, 'wait() after disconnect', handle.wait()), (e: unknown) => {
    assert.ok(e instanceof TensorBoxError);
    assert.equal(e.code, 'disconnected');
    return true;
  });
  const frozen = handle.stdout.length;
  const running = await sandbox.commands.list();
  assert.equal(running.find((p) => p.pid === handle.pid)?.status, 'running', 'still running after disconnect');

  const seen: string[] = [];
  const again = await sandbox.commands.connect(handle.pid, { onStdout: (d) => void seen.push(d) });
  assert.equal(again.pid, handle.pid);
  assert.equal(again.processId, handle.processId);
  await until('ticks after connect', () => seen.join('').split('tick').length > 3);
  assert.ok(!seen.join('').startsWith('tick1\n'), 'connect starts at the current end, not the beginning');
  assert.equal(handle.stdout.length, frozen, 'a disconnected handle receives nothing');

  const byId = await sandbox.commands.connect(handle.processId);
  assert.equal(byId.pid, handle.pid);

  assert.equal(await sandbox.commands.kill(handle.pid), true);
  const res = await within(10_000, 'wait() of the connected handle', again.wait());
  assert.equal(res.exitCode, -1);
  assert.equal((await within(10_000, 'wait() by process id', byId.wait())).exitCode, -1);
});

test('connect: an ended command gives its exit at once; an unknown one is a NotFoundError', async () => {
  const done = await sandbox.commands.run('exit 5', { background: true });
  assert.equal((await done.wait()).exitCode, 5);
  const again = await sandbox.commands.connect(done.pid);
  assert.equal((await within(5_000, 'wait()', again.wait())).exitCode, 5);
  await assert.rejects(sandbox.commands.connect(999_999_999), NotFoundError);
});

test('stdin: sendStdin to cat, closeStdin ends it; stdin of an ended process is a ConflictError', async () => {
  const handle = await sandbox.commands.run('cat', { background: true });
  await sandbox.commands.sendStdin(handle.pid, 'hello\n');
  await until('echoed stdin', () => handle.stdout === 'hello\n');
  await sandbox.commands.sendStdin(handle.processId, 'world\n');
  await until('second line', () => handle.stdout === 'hello\nworld\n');
  await sandbox.commands.closeStdin(handle.pid);
  const res = await within(10_000, 'cat to end after EOF', handle.wait());
  assert.deepEqual(res, { stdout: 'hello\nworld\n', stderr: '', exitCode: 0 });
  await assert.rejects(sandbox.commands.sendStdin(handle.pid, 'late\n'), ConflictError);
});

test('sendSignal: SIGTERM ends a command', async () => {
  const handle = await sandbox.commands.run('echo up; sleep 60', { background: true });
  await until('up', () => handle.stdout.includes('up'));
  await sandbox.commands.sendSignal(handle.pid, 'SIGTERM');
  assert.equal((await within(10_000, 'wait() after SIGTERM', handle.wait())).exitCode, -1);
});

test('processes: start, list, get, logs, logs follow, kill (API key)', async () => {
  await sandbox.commands.run('mkdir -p app');
  const p = await sandbox.processes.start(['sh', '-c', 'echo "$GREETING in $(basename "$PWD")"; echo warn >&2; exit 4'], {
    env: ['GREETING=hi'],
    cwd: 'app',
  });
  assert.match(p.id, /^proc_[0-9a-f]{24}$/);
  assert.equal(p.sandboxId, sandbox.sandboxId);
  assert.deepEqual(p.command, ['sh', '-c', 'echo "$GREETING in $(basename "$PWD")"; echo warn >&2; exit 4']);
  const ended = await until('exit recorded', async () => {
    const r = await sandbox.processes.get(p.id);
    return r.state === 'exited' ? r : undefined;
  });
  assert.equal(ended.exitCode, 4);
  assert.ok(ended.exitedAt >= ended.startedAt && ended.startedAt > 0);
  assert.equal(await sandbox.processes.logs(p.id), 'hi in app\nwarn\n');
  assert.ok((await sandbox.processes.list()).some((r) => r.id === p.id));

  const slow = await sandbox.processes.start(['sh', '-c', 'echo a; sleep 0.3; echo b'], { env: { X: '1' } });
  const chunks: string[] = [];
  const followed = await within(10_000, 'logs follow', sandbox.processes.logs(slow.id, { follow: true, onData: (c) => void chunks.push(c) }));
  assert.equal(followed, 'a\nb\n');
  assert.equal(chunks.join(''), 'a\nb\n');

  const sleeper = await sandbox.processes.start(['sleep', '60']);
  assert.equal(sleeper.state, 'running');
  assert.equal(sleeper.exitCode, undefined);
  assert.equal(await sandbox.processes.kill(sleeper.id), true);
  const killed = await until('killed recorded', async () => {
    const r = await sandbox.processes.get(sleeper.id);
    return r.state !== 'running' ? r : undefined;
  });
  assert.equal(killed.state, 'killed');
  assert.equal(await sandbox.processes.kill('proc_000000000000000000000000'), false);
  await assert.rejects(sandbox.processes.get('proc_000000000000000000000000'), NotFoundError);
  await assert.rejects(sandbox.processes.start([]), InvalidArgumentError);
});

test('runtime calls of a created sandbox use its access token, not the key', async () => {
  const made = await fetch(`${API_URL}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sdk-ts-token-test', role: 'developer' }),
  });
  assert.equal(made.status, 201);
  const key = (await made.json()) as { id: string; key: string };
  const s = await Sandbox.create({ apiKey: key.key, timeoutMs: 60_000 });
  try {
    const revoked = await fetch(`${API_URL}/v1/api-keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${API_KEY}` } });
    assert.equal(revoked.status, 204);
    // the key is refused at once, the sandbox's token still works for its runtime routes
    await assert.rejects(s.processes.list(), AuthenticationError);
    assert.equal((await s.commands.run('echo token')).stdout, 'token\n');
    const h = await s.commands.run('echo bg', { background: true });
    assert.equal((await h.wait()).stdout, 'bg\n');
    assert.ok(Array.isArray(await s.commands.list()));
  } finally {
    await Sandbox.kill(s.sandboxId);
  }
});
