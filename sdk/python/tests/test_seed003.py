"""Seed 003's Python snippets, run nearly verbatim.

Replaced only what the local runtime cannot have: /home/user/project -> the relative cwd
"project"; `pip install numpy pandas` -> a python3 one-liner that writes to stdout and stderr;
`tail -f /var/log/app.log` -> tail -f of a workspace file; server.py is a small script the test
writes. `npm test` runs as is (a package.json whose test script prints NODE_ENV).
"""

from __future__ import annotations

import contextlib
import io
import json
import unittest

from support import platform, wait_for

from tensorbox import CommandHandle, ProcessInfo, Sandbox

sandbox: Sandbox


def setUpModule() -> None:
    global sandbox
    platform()
    sandbox = Sandbox.create(timeout=300, metadata={"suite": "python-sdk-seed003"})


def tearDownModule() -> None:
    sandbox.kill()


def printed() -> contextlib.redirect_stdout[io.StringIO]:
    return contextlib.redirect_stdout(io.StringIO())


class Seed003Test(unittest.TestCase):
    def test_foreground(self) -> None:
        with printed() as out:
            res = sandbox.commands.run('python3 -c "print(1 + 1)"')
            print(res.stdout)  # "2\n"
            print(res.stderr)  # ""
            print(res.exit_code)  # 0
        self.assertEqual((res.stdout, res.stderr, res.exit_code), ("2\n", "", 0))
        self.assertEqual(out.getvalue(), "2\n\n\n0\n")

    def test_common_options(self) -> None:
        if sandbox.commands.run("command -v npm").exit_code != 0:
            self.skipTest("no npm in this sandbox image (the kubernetes base image has none)")
        package = {"name": "project", "private": True, "scripts": {"test": 'echo "NODE_ENV=$NODE_ENV"'}}
        sandbox.commands.run(
            f"mkdir -p project && echo '{json.dumps(package)}' > project/package.json"
            " && echo 'update-notifier=false' > project/.npmrc"
        )
        res = sandbox.commands.run(
            "npm test",
            cwd="project",  # 工作目录 (seed: /home/user/project)
            envs={"NODE_ENV": "test"},  # 环境变量
            user="user",  # 以哪个用户运行(默认 "user")
            timeout_ms=120_000,  # 命令超时
        )
        self.assertEqual(res.exit_code, 0, res.stderr)
        self.assertIn("NODE_ENV=test\n", res.stdout)

    def test_background(self) -> None:
        sandbox.commands.run("echo 'print(\"serving\")' > server.py")
        with printed() as out:
            handle = sandbox.commands.run("python3 server.py", background=True)
            print("pid:", handle.pid)
            # 需要时等待它结束,拿到最终结果
            result = handle.wait()
            # 或者直接杀掉
            handle.kill()
        self.assertIsInstance(handle, CommandHandle)
        self.assertEqual(out.getvalue(), f"pid: {handle.pid}\n")
        self.assertEqual((result.stdout, result.exit_code), ("serving\n", 0))

    def test_streaming_output(self) -> None:
        sandbox.commands.run("echo started > app.log")
        with printed() as out:
            sandbox.commands.run(
                "python3 -c \"import sys; print('Collecting numpy'); print('Collecting pandas', file=sys.stderr)\"",
                on_stdout=lambda data: print(data, end=""),
                on_stderr=lambda data: print(data, end=""),
            )
            foreground = out.getvalue()

            # 后台长任务同样可以边跑边流式回传
            handle = sandbox.commands.run(
                "tail -f app.log",
                background=True,
                on_stdout=lambda line: print("[app]", line, end=""),
            )
            wait_for(lambda: "[app] started\n" in out.getvalue(), 5, "tail to print the file")
            sandbox.commands.run("echo request >> app.log")
            wait_for(lambda: "[app] request\n" in out.getvalue(), 5, "tail to follow the file")
            # ... 之后
            handle.kill()
        # stdout and stderr chunks interleave at any write (print writes text and newline
        # apart when unbuffered): every character of both arrived through the callbacks
        self.assertEqual(sorted(foreground), sorted("Collecting numpy\nCollecting pandas\n"))
        self.assertEqual(handle.wait(10).exit_code, -1)

    def test_stdin(self) -> None:
        handle = sandbox.commands.run("cat", background=True)
        sandbox.commands.send_stdin(handle.pid, "hello\n")
        try:
            wait_for(lambda: handle.stdout == "hello\n", 5, "cat to echo hello")
        finally:
            handle.kill()

    def test_process_management(self) -> None:
        some_pid = sandbox.commands.run("sleep 3; echo finished", background=True).pid  # still running when list() answers
        # 列出当前所有进程
        procs = sandbox.commands.list()
        # [ProcessInfo(process_id, pid, cmd, status, exit_code), ...]
        self.assertTrue(all(isinstance(p, ProcessInfo) for p in procs))
        self.assertIn(some_pid, [p.pid for p in procs])
        # 连接到一个已在运行的进程,拿回句柄
        handle = sandbox.commands.connect(some_pid)
        result = handle.wait()
        # 按 PID 杀进程
        sandbox.commands.kill(some_pid)
        self.assertEqual(result.exit_code, 0)
        self.assertNotIn(some_pid, [p.pid for p in sandbox.commands.list()])


if __name__ == "__main__":
    unittest.main()
