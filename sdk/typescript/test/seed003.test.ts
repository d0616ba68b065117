/**
 * Seed 003's TypeScript snippets, run as written against a sandbox. Changed only where the local
 * runtime cannot have the original: `/home/user/project` → the relative cwd `project` (with a
 * package.json so that `npm test` runs), `pip install numpy pandas` → a python3 line that writes
 * to stdout and stderr, `/var/log/app.log` → `app.log` in the workspace, `server.py` is written
 * first. `console` and `process` are shadowed inside each snippet to capture what it prints.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Sandbox } from 'tensorbox';
import { killAll, newSandbox, until, within } from './helpers.js';

let sandbox: Sandbox;

before(async () => {
  sandbox = await newSandbox({ file: 'seed003' });
});
after(killAll);

/** A console/process pair that records what a snippet prints. */
function capture() {
  const logged: string[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const console = { log: (...args: unknown[]) => void logged.push(args.map(String).join(' ')) };
  const process = {
    stdout: { write: (d: string) => out.push(d) },
    stderr: { write: (d: string) => err.push(d) },
  };
  return { console, process, logged, out, err };
}

test('seed 003: 前台执行 (foreground run)', async () => {
  const { console, logged } = capture();
  // --- seed ---
  const res = await sandbox.commands.run('python3 -c "print(1 + 1)"');
  console.log(res.stdout); // "2\n"
  console.log(res.stderr); // ""
  console.log(res.exitCode); // 0
  // --- end ---
  assert.deepEqual(logged, ['2\n', '', '0']);
});

test('seed 003: 常用选项 (cwd, envs, user, timeoutMs)', async (t) => {
  if ((await sandbox.commands.run('command -v npm')).exitCode !== 0) {
    t.skip('no npm in this sandbox image (the kubernetes base image has none)');
    return;
  }
  await sandbox.commands.run(
    `mkdir -p project && printf '%s' '{"name":"p","version":"1.0.0","scripts":{"test":"node -e \\"console.log(process.env.NODE_ENV)\\""}}' > project/package.json`,
  );
  // --- seed (cwd '/home/user/project' → 'project') ---
  const res = await sandbox.commands.run('npm test', {
    cwd: 'project', // 工作目录
    envs: { NODE_ENV: 'test' }, // 环境变量
    user: 'user', // 以哪个用户运行(默认 "user")
    timeoutMs: 120_000, // 命令超时
  });
  // --- end ---
  assert.equal(res.exitCode, 0, res.stderr);
  assert.match(res.stdout, /^test$/m);
});

test('seed 003: shell 管道与 && (pipes, && in one command line)', async () => {
  const res = await sandbox.commands.run('mkdir -p d && cd d && echo b a | tr " " "\\n" | sort > out.txt && cat out.txt');
  assert.equal(res.stdout, 'a\nb\n');
});

test('seed 003: 后台执行 (background: pid, wait, kill, disconnect)', async () => {
  await sandbox.commands.run(`printf '%s\\n' 'import time' 'print("serving", flush=True)' 'time.sleep(0.3)' 'print("bye")' > server.py`);
  const { console, logged } = capture();
  // --- seed ---
  const handle = await sandbox.commands.run('python3 server.py', {
    background: true,
  });
  console.log('pid:', handle.pid);
  // 需要时等待它结束,拿到最终结果
  const result = await handle.wait();
  // 或者直接杀掉
  await handle.kill();
  // 只想断开句柄、让进程继续跑:
  handle.disconnect();
  // --- end ---
  assert.deepEqual(logged, [`pid: ${handle.pid}`]);
  assert.ok(handle.pid > 0);
  assert.deepEqual(result, { stdout: 'serving\nbye\n', stderr: '', exitCode: 0 });
});

test('seed 003: 流式获取输出 (onStdout/onStderr; background tail -f)', async () => {
  const { console, process, logged, out, err } = capture();
  // --- seed ('pip install numpy pandas' → a python3 line printing to both streams) ---
  await sandbox.commands.run('python3 -c "import sys; print(\'Collecting numpy\'); print(\'warning: pandas\', file=sys.stderr)"', {
    onStdout: (data) => process.stdout.write(data),
    onStderr: (data) => process.stderr.write(data),
  });
  // --- end ---
  assert.equal(out.join(''), 'Collecting numpy\n');
  assert.equal(err.join(''), 'warning: pandas\n');

  await sandbox.commands.run('echo "boot line" > app.log');
  // --- seed ('/var/log/app.log' → 'app.log') ---
  // 后台长任务同样可以边跑边流式回传
  const handle = await sandbox.commands.run('tail -f app.log', {
    background: true,
    onStdout: (line) => console.log('[app]', line),
  });
  // --- end ---
  await until('tail printed the existing line', () => logged.join('').includes('boot line'));
  await sandbox.commands.run('echo "request served" >> app.log');
  await until('tail printed the appended line', () => logged.join('').includes('request served'));
  assert.ok(logged.every((l) => l.startsWith('[app] ')));
  // --- seed ---
  // ... 之后
  await handle.kill();
  // --- end ---
  assert.equal((await within(10_000, 'wait() after kill', handle.wait())).exitCode, -1);
});

test('seed 003: 向 stdin 写入 (sendStdin)', async () => {
  // --- seed ---
  const handle = await sandbox.commands.run('cat', { background: true });
  await sandbox.commands.sendStdin(handle.pid, 'hello\n');
  // --- end ---
  await until('cat echoed the input', () => handle.stdout === 'hello\n');
  await handle.kill();
});

test('seed 003: 进程管理 (list, connect, wait, kill)', async () => {
  // still running when list() answers, even on a loaded node
  const bg = await sandbox.commands.run('sleep 3; echo finished', { background: true });
  const somePid = bg.pid;
  const { console, logged } = capture();
  // --- seed ---
  // 列出当前所有进程
  const procs = await sandbox.commands.list();
  // [{ processId, pid, cmd, status, exitCode }, ...]
  // 连接到一个已在运行的进程,拿回句柄
  const handle = await sandbox.commands.connect(somePid);
  const result = await handle.wait();
  // 按 PID 杀进程
  await sandbox.commands.kill(somePid);
  // --- end ---
  console.log(JSON.stringify(procs.find((p) => p.pid === somePid)));
  const entry = JSON.parse(logged[0]!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(entry).sort(), ['cmd', 'pid', 'processId', 'status']);
  assert.equal(entry.status, 'running');
  assert.equal(entry.processId, bg.processId);
  assert.equal(result.exitCode, 0);
  assert.equal((await bg.wait()).stdout, 'finished\n');
});
