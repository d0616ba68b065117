"""Tests that need no platform: SSE parsing, configuration, error mapping, timeouts."""

from __future__ import annotations

import os
import socket
import time
import unittest
from unittest import mock

from tensorbox import (
    AuthenticationError,
    ConflictError,
    ConnectionConfig,
    ForbiddenError,
    InvalidArgumentError,
    NotFoundError,
    RateLimitError,
    RequestTimeoutError,
    Sandbox,
    SandboxInfo,
    TensorBoxError,
    UnavailableError,
)
from tensorbox._transport import SSEParser
from tensorbox.files import EntryInfo
from tensorbox.exceptions import error_from_response


class EntryInfoTest(unittest.TestCase):
    def test_entries_from_the_sandbox_are_parsed_defensively(self) -> None:
        e = EntryInfo.from_json({"path": "/home/user/odd", "type": "fifo", "size": "big", "mode": 7,
                                 "modified_at": "not a time", "symlink_target": 1, "extra": [1]})
        self.assertEqual((e.name, e.type, e.size, e.mode, e.symlink_target), ("odd", "file", 0, "", None))
        self.assertEqual(e.modified_at.timestamp(), 0)
        e = EntryInfo.from_json({"name": "l", "path": "/a/l", "type": "symlink", "size": 3, "mode": "0777",
                                 "modified_at": "2026-12-07T06:46:29.470Z", "symlink_target": "t"})
        self.assertEqual((e.type, e.size, e.mode, e.symlink_target), ("symlink", 3, "0777", "t"))
        self.assertEqual(e.modified_at.isoformat(), "2026-12-07T06:46:29.470000+00:00")
        for hostile in (None, [], "x", {"name": "no path"}, {"path": 5}):
            with self.assertRaises(TensorBoxError):
                EntryInfo.from_json(hostile)


class SSEParserTest(unittest.TestCase):
    def test_events_with_unknown_fields_comments_and_split_chunks(self) -> None:
        stream = (
            b": a comment\n"
            b"content-type:text/plain\n"
            b"event:start\n"
            b"data:{\"pid\":4493}\n"
            b"\n"
            b"event: stdout\r\n"
            b"data: \"h\\u00e9\\n\"\r\n"
            b"\r\n"
            b"id: 7\n"
            b"data: line one\n"
            b"data: line two\n"
            b"\n"
            b"event:exit\n"
            b"data:{\"exit_code\":3}\n"
            b"\n"
            b"event:ignored-without-data\n"
            b"\n"
        )
        for size in (1, 2, 5, 64, len(stream)):
            parser = SSEParser()
            events = []
            for i in range(0, len(stream), size):
                events.extend(parser.feed(stream[i : i + size]))
            self.assertEqual(
                events,
                [
                    ("start", '{"pid":4493}'),
                    ("stdout", '"h\\u00e9\\n"'),
                    ("message", "line one\nline two"),
                    ("exit", '{"exit_code":3}'),
                ],
                f"chunk size {size}",
            )

    def test_multibyte_characters_split_between_chunks(self) -> None:
        data = 'event:stdout\ndata:"é€😀"\n\n'.encode()
        parser = SSEParser()
        events = [e for b in data for e in parser.feed(bytes([b]))]
        self.assertEqual(events, [("stdout", '"é€😀"')])

    def test_incomplete_event_is_not_dispatched(self) -> None:
        parser = SSEParser()
        self.assertEqual(parser.feed(b"event:exit\ndata:{}\n"), [])


class ConfigTest(unittest.TestCase):
    def test_missing_key_says_to_set_it(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            with self.assertRaises(AuthenticationError) as ctx:
                Sandbox.create()
            self.assertIn("TENSORBOX_API_KEY", str(ctx.exception))
            self.assertEqual(ctx.exception.code, "missing_api_key")

    def test_options_then_environment_then_defaults(self) -> None:
        env = {"TENSORBOX_API_URL": "http://env-host:9000/", "TENSORBOX_API_KEY": "ask_env_k"}
        with mock.patch.dict(os.environ, env, clear=True):
            c = ConnectionConfig.resolve()
            self.assertEqual((c.api_url, c.api_key, c.domain), ("http://env-host:9000", "ask_env_k", None))
            c = ConnectionConfig.resolve(api_url="https://opt:1", api_key="ask_opt_k", request_timeout_ms=5)
            self.assertEqual((c.api_url, c.api_key, c.request_timeout_ms), ("https://opt:1", "ask_opt_k", 5))
        with mock.patch.dict(os.environ, {"TENSORBOX_API_KEY": "ask_a_b"}, clear=True):
            self.assertEqual(ConnectionConfig.resolve().api_url, "http://localhost:8080")
        with self.assertRaises(InvalidArgumentError):
            ConnectionConfig.resolve(api_url="ftp://x", api_key="ask_a_b")

    def test_get_host_domain_precedence(self) -> None:
        info = SandboxInfo("sbx_0123456789abcdef01234567", "base", "running", 1, 1, 2)

        def host(domain: str | None, env: dict[str, str]) -> str:
            with mock.patch.dict(os.environ, env, clear=True):
                config = ConnectionConfig.resolve("http://api.example.com:8080", "ask_a_b", domain)
                return Sandbox(info=info, config=config).get_host(3000)

        self.assertEqual(host("opt.dev", {"TENSORBOX_DOMAIN": "env.dev"}), "3000-sbx-0123456789abcdef01234567.opt.dev")
        self.assertEqual(host(None, {"TENSORBOX_DOMAIN": "env.dev"}), "3000-sbx-0123456789abcdef01234567.env.dev")
        self.assertEqual(host(None, {}), "3000-sbx-0123456789abcdef01234567.api.example.com")


class ErrorsTest(unittest.TestCase):
    def test_status_to_type_with_server_code_and_message(self) -> None:
        body = b'{"error":{"code":"sandbox_not_found","message":"No sandbox \'x\'."}}'
        err = error_from_response(404, body)
        self.assertIsInstance(err, NotFoundError)
        self.assertEqual((err.status, err.code, str(err)), (404, "sandbox_not_found", "No sandbox 'x'."))
        for status, cls in [(400, InvalidArgumentError), (401, AuthenticationError), (403, ForbiddenError),
                            (409, ConflictError), (429, RateLimitError), (503, UnavailableError)]:
            self.assertIs(type(error_from_response(status, body)), cls)
        other = error_from_response(502, b"<html>bad gateway</html>")
        self.assertIs(type(other), TensorBoxError)
        self.assertEqual(str(other), "<html>bad gateway</html>")

    def test_request_timeout_when_no_answer(self) -> None:
        with socket.socket() as server:  # accepts connections (backlog) and never answers
            server.bind(("127.0.0.1", 0))
            server.listen(4)
            url = f"http://127.0.0.1:{server.getsockname()[1]}"
            started = time.monotonic()
            with self.assertRaises(RequestTimeoutError) as ctx:
                Sandbox.list(api_url=url, api_key="ask_a_b", request_timeout_ms=200)
            self.assertLess(time.monotonic() - started, 5)
            self.assertIsInstance(ctx.exception, TimeoutError)
            self.assertIsInstance(ctx.exception, TensorBoxError)

    def test_unreachable_api(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # closed again below: nothing listens there
        with self.assertRaises(UnavailableError) as ctx:
            Sandbox.list(api_url=f"http://127.0.0.1:{port}", api_key="ask_a_b")
        self.assertIn(f"127.0.0.1:{port}", str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
