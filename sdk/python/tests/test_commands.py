"""sandbox.commands against the running platform (one sandbox for the module)."""

from __future__ import annotations

import threading
import time
import unittest

from support import platform, wait_for

from tensorbox import (
    CommandHandle,
    CommandResult,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    ProcessInfo,
    Sandbox,
    TensorBoxError,
)

sbx: Sandbox


def setUpModule() -> None:
    global sbx
    platform()
    sbx = Sandbox.create(timeout=300, metadata={"suite": "python-sdk-commands"})


def tearDownModule() -> None:
    sbx.kill()


def gated(name: str, stream: str = "") -> str:
    """Prints 'ready', then blocks until the file `name` exists (created by the test only after
    a callback received 'ready'), then prints 'done'."""
    return (
        f"rm -f {name}; echo ready{stream}; "
        f"while [ ! -f {name} ]; do sleep 0.02; done; echo done"
    )


class ForegroundTest(unittest.TestCase):
    def test_result_fields_and_nonzero_exit_is_a_result(self) -> None:
        res = sbx.commands.run('python3 -c "print(1 + 1)"')
        self.assertIsInstance(res, CommandResult)
        self.assertEqual((res.stdout, res.stderr, res.exit_code), ("2\n", "", 0))
        self.assertIsInstance(res.duration_ms, int)
        self.assertFalse(res.timed_out)
        self.assertFalse(res.truncated)
        res = sbx.commands.run("echo out; echo err >&2; exit 3")
        self.assertEqual((res.stdout, res.stderr, res.exit_code), ("out\n", "err\n", 3))
        res = sbx.commands.run("no-such-command-xyz")
        self.assertEqual(res.exit_code, 127)
        self.assertIn("no-such-command-xyz", res.stderr)

    def test_options_cwd_envs_user_stdin(self) -> None:
        sbx.commands.run("mkdir -p sub/dir")
        res = sbx.commands.run("pwd", cwd="sub/dir")
        self.assertTrue(res.stdout.strip().endswith("/sub/dir"), res.stdout)
        res = sbx.commands.run("echo $A-$B", envs={"A": "1", "B": "two words"})
        self.assertEqual(res.stdout, "1-two words\n")
        self.assertEqual(sbx.commands.run("echo ok", user="user").exit_code, 0)
        res = sbx.commands.run("cat; echo", stdin="from stdin")
        self.assertEqual(res.stdout, "from stdin\n")
        res = sbx.commands.run("echo a | tr a b && echo c > f.txt && cat f.txt")
        self.assertEqual(res.stdout, "b\nc\n")

    def test_invalid_arguments(self) -> None:
        with self.assertRaises(InvalidArgumentError) as ctx:
            sbx.commands.run("true", cwd="does/not/exist")
        self.assertEqual(ctx.exception.status, 400)
        self.assertIn("cwd", str(ctx.exception))
        with self.assertRaises(InvalidArgumentError) as ctx:
            sbx.commands.run("true", user="no-such-user-xyz")  # "nobody" exists in the kubernetes image
        self.assertIn("no-such-user-xyz", str(ctx.exception))

    def test_timeout_ms_gives_a_timed_out_result(self) -> None:
        started = time.monotonic()
        res = sbx.commands.run("echo before; sleep 10", timeout_ms=1000)
        self.assertLess(time.monotonic() - started, 8)
        self.assertTrue(res.timed_out)
        self.assertEqual(res.exit_code, -1)
        self.assertEqual(res.stdout, "before\n")

    def test_callbacks_fire_before_the_command_ends(self) -> None:
        for stream, redirect in (("stdout", ""), ("stderr", " >&2")):
            with self.subTest(stream=stream):
                gate = f"gate-fg-{stream}"
                chunks: list[str] = []

                def got(data: str) -> None:
                    chunks.append(data)
                    if "".join(chunks) == "ready\n":  # the command is blocked until this file exists
                        sbx.commands.run(f"touch {gate}")

                kwargs = {"on_stdout": got} if stream == "stdout" else {"on_stderr": got}
                res = sbx.commands.run(gated(gate, redirect), timeout_ms=10_000, **kwargs)  # type: ignore[arg-type]
                self.assertFalse(res.timed_out, "the callback did not get 'ready' before the command ended")
                self.assertEqual(res.exit_code, 0)
                self.assertEqual("".join(chunks), getattr(res, stream))
                self.assertEqual(res.stdout, "ready\ndone\n" if stream == "stdout" else "done\n")
                self.assertEqual(res.stderr, "" if stream == "stdout" else "ready\n")

    def test_request_timeout_bounds_the_answer_not_the_command(self) -> None:
        res = sbx.commands.run("sleep 1.5; echo slow", request_timeout_ms=1000)
        self.assertEqual(res.stdout, "slow\n")


class BackgroundTest(unittest.TestCase):
    def test_wait_gets_all_output_from_the_start_merged(self) -> None:
        handle = sbx.commands.run("echo early; echo err >&2; exit 7", background=True)
        self.assertIsInstance(handle, CommandHandle)
        self.assertGreater(handle.pid, 0)
        self.assertRegex(handle.process_id or "", r"^proc_[0-9a-f]{24}$")
        res = handle.wait(10)
        self.assertEqual(res.exit_code, 7)
        self.assertEqual(sorted(res.stdout.splitlines()), ["early", "err"])
        self.assertEqual(res.stderr, "")
        self.assertEqual(handle.exit_code, 7)

    def test_callbacks_fire_before_the_command_ends(self) -> None:
        gate = "gate-bg"
        chunks: list[str] = []
        threads: list[threading.Thread] = []

        def got(data: str) -> None:
            chunks.append(data)
            threads.append(threading.current_thread())
            if "".join(chunks) == "ready\n":
                sbx.commands.run(f"touch {gate}")

        handle = sbx.commands.run(gated(gate, " >&2"), background=True, on_stdout=got, timeout_ms=10_000)
        res = handle.wait(15)
        self.assertEqual(res.exit_code, 0, "the callback did not get 'ready' before the command ended")
        self.assertEqual(res.stdout, "ready\ndone\n")
        self.assertEqual("".join(chunks), "ready\ndone\n")
        self.assertNotIn(threading.main_thread(), threads)  # called on the handle's thread

    def test_kill(self) -> None:
        handle = sbx.commands.run("sleep 30", background=True)
        wait_for(lambda: handle.pid in [p.pid for p in sbx.commands.list()], 5, "the command to be listed")
        self.assertTrue(handle.kill())
        res = handle.wait(10)
        self.assertEqual(res.exit_code, -1)
        self.assertNotIn(handle.pid, [p.pid for p in sbx.commands.list()])
        self.assertTrue(sbx.commands.kill(handle.pid))  # ended: still true
        self.assertFalse(sbx.commands.kill(999_999_999))
        self.assertFalse(sbx.commands.kill("proc_000000000000000000000000"))

    def test_disconnect_leaves_it_running_then_connect(self) -> None:
        loop = "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done"
        handle = sbx.commands.run(loop, background=True)
        try:
            wait_for(lambda: "tick" in handle.stdout, 5, "first output")
            handle.disconnect()
            with self.assertRaises(TensorBoxError):
                handle.wait(1)
            seen = handle.stdout
            running = {p.pid: p for p in sbx.commands.list()}
            self.assertIn(handle.pid, running)
            self.assertEqual(running[handle.pid].status, "running")

            chunks: list[str] = []
            again = sbx.commands.connect(handle.pid, on_stdout=chunks.append)
            self.assertEqual((again.pid, again.process_id), (handle.pid, handle.process_id))
            wait_for(lambda: len("".join(chunks).splitlines()) >= 3, 5, "output after connect")
            self.assertEqual(handle.stdout, seen)  # the disconnected handle got nothing more
            self.assertTrue(sbx.commands.kill(handle.pid))
            self.assertEqual(again.wait(10).exit_code, -1)
        finally:
            sbx.commands.kill(handle.pid)

    def test_connect_streams_new_output(self) -> None:
        handle = sbx.commands.run("cat", background=True)
        connected = sbx.commands.connect(handle.process_id or "")
        self.assertEqual(connected.pid, handle.pid)
        # The server fixes a connect stream's start a moment after its headers (reported): write
        # until the connected handle sees output rather than once.
        wait_for(lambda: sbx.commands.send_stdin(handle.pid, "x\n") or "x\n" in connected.stdout,
                 5, "output on the connected handle")
        sbx.commands.close_stdin(handle.pid)
        self.assertEqual(connected.wait(10).exit_code, 0)
        self.assertTrue(set(connected.stdout.splitlines()) <= {"x"})
        self.assertTrue(handle.wait(10).stdout.startswith("x\n"))
        with self.assertRaises(NotFoundError):
            sbx.commands.connect(999_999_999)

    def test_stdin(self) -> None:
        received: list[str] = []
        handle = sbx.commands.run("cat", background=True, on_stdout=received.append)
        sbx.commands.send_stdin(handle.pid, "hello\n")
        wait_for(lambda: "".join(received) == "hello\n", 5, "cat to echo hello")
        handle.send_stdin("wörld\n")
        sbx.commands.send_stdin(handle.process_id or "", b"bytes\n")
        wait_for(lambda: "".join(received) == "hello\nwörld\nbytes\n", 5, "cat to echo the rest")
        sbx.commands.close_stdin(handle.pid)
        res = handle.wait(10)
        self.assertEqual((res.stdout, res.exit_code), ("hello\nwörld\nbytes\n", 0))
        with self.assertRaises(ConflictError) as ctx:
            sbx.commands.send_stdin(handle.pid, "late\n")
        self.assertEqual(ctx.exception.status, 409)

    def test_list_and_signal(self) -> None:
        handle = sbx.commands.run("sleep 30", background=True)
        procs = sbx.commands.list()
        self.assertTrue(all(isinstance(p, ProcessInfo) for p in procs))
        mine = [p for p in procs if p.pid == handle.pid]
        self.assertEqual(len(mine), 1)
        self.assertEqual(
            (mine[0].process_id, mine[0].cmd, mine[0].status, mine[0].exit_code),
            (handle.process_id, "sleep 30", "running", None),
        )
        sbx.commands.send_signal(handle.pid, "SIGTERM")
        self.assertEqual(handle.wait(10).exit_code, -1)
        self.assertNotIn(handle.pid, [p.pid for p in sbx.commands.list()])
        ended = {p.pid: p for p in sbx.commands.list(include_exited=True)}
        self.assertEqual(ended[handle.pid].status, "killed")

    def test_wait_timeout_leaves_it_running(self) -> None:
        handle = sbx.commands.run("sleep 30", background=True)
        try:
            with self.assertRaises(TimeoutError):
                handle.wait(0.2)
            self.assertIsNone(handle.exit_code)
        finally:
            self.assertTrue(handle.kill())
        self.assertEqual(handle.wait(10).exit_code, -1)


if __name__ == "__main__":
    unittest.main()
