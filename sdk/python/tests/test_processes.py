"""sandbox.processes (seed 000) against the running platform."""

from __future__ import annotations

import unittest

from support import platform, wait_for

from tensorbox import NotFoundError, ProcessRecord, Sandbox

sbx: Sandbox


def setUpModule() -> None:
    global sbx
    platform()
    sbx = Sandbox.create(timeout=300, metadata={"suite": "python-sdk-processes"})


def tearDownModule() -> None:
    sbx.kill()


def ended(process_id: str) -> ProcessRecord | None:
    record = sbx.processes.get(process_id)
    return None if record.state == "running" else record


class ProcessesTest(unittest.TestCase):
    def test_start_list_get_logs_kill(self) -> None:
        sbx.commands.run("mkdir -p myapp")
        proc = sbx.processes.start(
            ["sh", "-c", 'echo "port=$PORT in $(basename "$PWD")"; exec sleep 30'],
            env={"PORT": "3000"},
            cwd="myapp",
        )
        try:
            self.assertIsInstance(proc, ProcessRecord)
            self.assertRegex(proc.id, r"^proc_[0-9a-f]{24}$")
            self.assertEqual(proc.process_id, proc.id)
            self.assertEqual((proc.sandbox_id, proc.state, proc.exited_at), (sbx.id, "running", 0))
            self.assertEqual(proc.command[0], "sh")
            self.assertGreater(proc.pid, 0)
            self.assertIn(proc.id, [p.id for p in sbx.processes.list()])
            self.assertEqual(sbx.processes.get(proc.id).state, "running")
            logs = wait_for(lambda: sbx.processes.logs(proc.id), 5, "the first log line")
            self.assertEqual(logs, "port=3000 in myapp\n")
            # the same process seen as a command
            self.assertIn(proc.pid, [c.pid for c in sbx.commands.list()])
        finally:
            self.assertTrue(sbx.processes.kill(proc.id))
        record = wait_for(lambda: ended(proc.id), 5, "the exit")
        self.assertEqual((record.state, record.exit_code), ("killed", -1))
        self.assertGreater(record.exited_at, 0)
        self.assertTrue(sbx.processes.kill(proc.id))  # already ended: still 204

    def test_env_as_strings_and_follow_logs(self) -> None:
        proc = sbx.processes.start(["sh", "-c", "echo a=$A; sleep 0.3; echo done >&2"], env=["A=1"])
        chunks: list[str] = []
        text = sbx.processes.logs(proc.id, follow=True, on_output=chunks.append)
        self.assertEqual(text, "a=1\ndone\n")
        self.assertEqual("".join(chunks), text)
        done = wait_for(lambda: ended(proc.id), 5, "the exit")
        self.assertEqual((done.state, done.exit_code), ("exited", 0))

    def test_failures(self) -> None:
        failed = sbx.processes.start(["no-such-binary-xyz"])
        self.assertEqual(failed.state, "failed")
        with self.assertRaises(TypeError):
            sbx.processes.start("echo hi")  # an argv list is required
        unknown = "proc_000000000000000000000000"
        with self.assertRaises(NotFoundError):
            sbx.processes.get(unknown)
        with self.assertRaises(NotFoundError):
            sbx.processes.logs(unknown)
        self.assertFalse(sbx.processes.kill(unknown))


if __name__ == "__main__":
    unittest.main()
