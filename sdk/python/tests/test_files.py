"""sandbox.files against the running platform (one sandbox for the module)."""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
import unittest
from datetime import datetime, timezone

from support import platform, wait_for

from tensorbox import ConflictError, EntryInfo, FilesystemEvent, NotFoundError, Sandbox

sbx: Sandbox


def setUpModule() -> None:
    global sbx
    platform()
    sbx = Sandbox.create(timeout=300, metadata={"suite": "python-sdk-files"})


def tearDownModule() -> None:
    sbx.kill()


def sha256_in_sandbox(path: str) -> str:
    return sbx.commands.run(f"sha256sum {path}").stdout.split(" ")[0]


class RoundTripTest(unittest.TestCase):
    def test_text_and_binary_round_trip(self) -> None:
        text = "héllo 世界 ✓\nsecond line\n"
        info = sbx.files.write("rt/hello.txt", text)
        self.assertEqual((info.name, info.type, info.size), ("hello.txt", "file", len(text.encode())))
        self.assertTrue(info.path.startswith("/") and info.path.endswith("/rt/hello.txt"), info.path)
        self.assertEqual(sbx.files.read("rt/hello.txt"), text)
        self.assertEqual(sbx.commands.run("cat rt/hello.txt").stdout, text)

        data = bytes((i * 7 + (i >> 8)) & 0xFF for i in range(70_000))  # every byte value, invalid UTF-8
        sbx.files.write("rt/data.bin", data, user="user")
        self.assertEqual(sbx.files.read("rt/data.bin", format="bytes"), data)
        self.assertEqual(sha256_in_sandbox("rt/data.bin"), hashlib.sha256(data).hexdigest())
        sbx.files.write("rt/from-file.bin", io.BytesIO(data))
        self.assertEqual(sbx.files.read("rt/from-file.bin", format="bytes"), data)

        sbx.files.write("rt/hello.txt", b"short")  # replaced, not appended
        self.assertEqual(sbx.files.read("rt/hello.txt"), "short")
        sbx.files.write("rt/empty", b"")
        self.assertEqual(sbx.files.read("rt/empty", format="bytes"), b"")

        with self.assertRaises(NotFoundError) as ctx:
            sbx.files.read("rt/nope.txt")
        self.assertEqual((ctx.exception.status, ctx.exception.code), (404, "file_not_found"))

    def test_20_mib_streamed_up_and_down(self) -> None:
        size, chunk = 20 * 1024 * 1024, 256 * 1024
        seed = os.urandom(chunk)
        sent = hashlib.sha256()

        def produce():
            for i in range(size // chunk):
                piece = bytes([i]) + seed[1:]  # every chunk differs
                sent.update(piece)
                yield piece

        started = time.monotonic()
        info = sbx.files.write("big/file.bin", produce())
        self.assertEqual(info.size, size)
        expected = sent.hexdigest()
        self.assertEqual(sha256_in_sandbox("big/file.bin"), expected)

        got, total, chunks = hashlib.sha256(), 0, 0
        with sbx.files.read("big/file.bin", format="stream") as stream:
            for piece in stream:
                got.update(piece)
                total += len(piece)
                chunks += 1
        self.assertEqual((total, got.hexdigest()), (size, expected))
        self.assertGreater(chunks, 1)
        # the same stream as a file object
        with sbx.files.read("big/file.bin", format="stream") as f:
            head = f.read(10)
            self.assertEqual(len(head), 10)
        self.assertEqual(sbx.files.get_info("big/file.bin").size, size)
        self.assertLess(time.monotonic() - started, 60)


class TreeTest(unittest.TestCase):
    def test_list_with_depth_exists_get_info(self) -> None:
        sbx.commands.run("mkdir -p lst/a/b && echo top > lst/top.txt && echo mid > lst/a/mid.txt "
                         "&& echo deep > lst/a/b/deep.txt && ln -sf top.txt lst/link")
        one = sbx.files.list("lst")
        self.assertTrue(all(isinstance(e, EntryInfo) for e in one))
        self.assertEqual([(e.name, e.type) for e in one], [("a", "dir"), ("link", "symlink"), ("top.txt", "file")])
        self.assertTrue(one[2].path.endswith("/lst/top.txt"))
        rel = [e.path[e.path.index("/lst/") + 5:] for e in sbx.files.list("lst", depth=3)]
        self.assertEqual(rel, ["a", "a/b", "a/b/deep.txt", "a/mid.txt", "link", "top.txt"])
        self.assertEqual(len(sbx.files.list("lst", depth=2)), 5)

        self.assertTrue(sbx.files.exists("lst/top.txt"))
        self.assertTrue(sbx.files.exists("lst/a"))
        self.assertFalse(sbx.files.exists("lst/none"))
        info = sbx.files.get_info("lst/top.txt")
        self.assertEqual((info.name, info.type, info.size), ("top.txt", "file", 4))
        self.assertRegex(info.mode, r"^0[0-7]{3}$")
        self.assertRegex(info.permissions, r"^-[rwx-]{9}$")
        self.assertTrue(info.owner)
        self.assertLess(abs((info.modified_at - datetime.now(timezone.utc)).total_seconds()), 120)
        self.assertIsNone(info.symlink_target)
        self.assertEqual(sbx.files.get_info("lst/a").type, "dir")
        link = sbx.files.get_info("lst/link")
        self.assertEqual(link.type, "symlink")
        self.assertTrue((link.symlink_target or "").endswith("top.txt"), link.symlink_target)
        with self.assertRaises(NotFoundError):
            sbx.files.get_info("lst/none")

    def test_make_dir_rename_remove(self) -> None:
        self.assertTrue(sbx.files.make_dir("mk/x/y"))
        self.assertFalse(sbx.files.make_dir("mk/x/y"))
        self.assertEqual(sbx.files.get_info("mk/x/y").type, "dir")
        sbx.files.write("mk/file", "f")
        with self.assertRaises(ConflictError):
            sbx.files.make_dir("mk/file")

        sbx.files.write("mv/old.txt", "moved content")
        moved = sbx.files.rename("mv/old.txt", "mv/sub/new.txt")
        self.assertEqual((moved.name, moved.type), ("new.txt", "file"))
        self.assertTrue(moved.path.endswith("/mv/sub/new.txt"), moved.path)
        self.assertFalse(sbx.files.exists("mv/old.txt"))
        self.assertEqual(sbx.files.read("mv/sub/new.txt"), "moved content")
        with self.assertRaises(NotFoundError):
            sbx.files.rename("mv/old.txt", "mv/again.txt")

        sbx.files.remove("mv/sub/new.txt")
        self.assertFalse(sbx.files.exists("mv/sub/new.txt"))
        sbx.files.write("mv/sub/deeper/f", "x")
        sbx.files.remove("mv")  # a directory, recursively
        self.assertEqual(sbx.commands.run("test -e mv").exit_code, 1)
        with self.assertRaises(NotFoundError):
            sbx.files.remove("mv")


class WatchTest(unittest.TestCase):
    def test_watch_dir_with_a_callback(self) -> None:
        sbx.files.make_dir("watched")
        events: list[FilesystemEvent] = []
        exits: list[BaseException | None] = []
        handle = sbx.files.watch_dir("watched", events.append, on_exit=exits.append)
        sbx.files.write("watched/new.txt", "hello")
        created = wait_for(lambda: next((e for e in events if e.type == "created" and e.name == "new.txt"), None),
                           what="a created event")
        self.assertTrue(created.path.endswith("/watched/new.txt"), created.path)
        self.assertEqual(created.entry_type, "file")
        sbx.files.remove("watched/new.txt")
        wait_for(lambda: any(e.type == "removed" and e.name == "new.txt" for e in events), what="a removed event")
        handle.stop()
        self.assertEqual(exits, [None])
        self.assertIsNone(handle.error)
        with self.assertRaises(NotFoundError):
            sbx.files.watch_dir("watched/none")

    def test_watch_dir_iterated(self) -> None:
        sbx.files.make_dir("watched2")
        with sbx.files.watch_dir("watched2") as handle:
            seen: list[tuple[str, str]] = []

            def consume() -> None:
                for e in handle:  # ends after stop()
                    seen.append((e.type, e.name))

            reader = threading.Thread(target=consume, daemon=True)
            reader.start()
            sbx.files.write("watched2/a.txt", "a")
            wait_for(lambda: ("created", "a.txt") in seen, what="the created event, iterated")
            sbx.files.remove("watched2/a.txt")
            wait_for(lambda: ("removed", "a.txt") in seen, what="the removed event, iterated")
        reader.join(5)
        self.assertFalse(reader.is_alive(), "iteration ends after stop()")


if __name__ == "__main__":
    unittest.main()
