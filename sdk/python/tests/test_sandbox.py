"""Sandbox lifecycle and errors against the running platform."""

from __future__ import annotations

import time
import unittest

from support import platform, raw, wait_for

from tensorbox import (
    AuthenticationError,
    ForbiddenError,
    NotFoundError,
    Sandbox,
    SandboxInfo,
)

UNKNOWN = "sbx_000000000000000000000000"


class SandboxLifecycleTest(unittest.TestCase):
    def setUp(self) -> None:
        platform()

    def test_create_get_info_list_set_timeout_kill(self) -> None:
        sbx = Sandbox.create(timeout=120, metadata={"suite": "python-sdk"}, envs={"GREETING": "hello"})
        try:
            self.assertRegex(sbx.sandbox_id, r"^sbx_[0-9a-f]{24}$")
            self.assertEqual(sbx.id, sbx.sandbox_id)
            self.assertTrue((sbx.access_token or "").startswith("sat_"))
            self.assertEqual(sbx.template, "base")
            self.assertEqual(sbx.metadata, {"suite": "python-sdk"})
            self.assertTrue(sbx.runtime_url.endswith(f"/v1/sandboxes/{sbx.id}"))
            # envs of the sandbox reach its commands
            self.assertEqual(sbx.commands.run("echo $GREETING").stdout, "hello\n")

            info = sbx.get_info()
            self.assertIsInstance(info, SandboxInfo)
            self.assertEqual((info.sandbox_id, info.state, info.template), (sbx.id, "running", "base"))
            self.assertEqual(info.metadata, {"suite": "python-sdk"})
            self.assertGreater(info.expires_at, info.created_at)
            self.assertTrue(sbx.is_running())
            self.assertEqual(Sandbox.get_info(sbx.id).sandbox_id, sbx.id)

            self.assertIn(sbx.id, [s.sandbox_id for s in Sandbox.list()])
            self.assertIn(sbx.id, [s.sandbox_id for s in Sandbox.list(state="running")])
            self.assertNotIn(sbx.id, [s.sandbox_id for s in Sandbox.list(state="stopped")])

            now = int(time.time())
            self.assertGreaterEqual(sbx.set_timeout(900).expires_at, now + 890)
            self.assertGreaterEqual(sbx.get_info().expires_at, now + 890)
            self.assertLessEqual(Sandbox.set_timeout(sbx.id, 300).expires_at, now + 310)
        finally:
            self.assertTrue(sbx.kill())
        self.assertEqual(Sandbox.get_info(sbx.id).state, "stopped")
        self.assertFalse(sbx.is_running())
        self.assertTrue(Sandbox.kill(sbx.id))  # already stopped: still 204
        self.assertFalse(Sandbox.kill(UNKNOWN))

    def test_connect_uses_the_api_key(self) -> None:
        created = Sandbox.create(timeout=120)
        try:
            sbx = Sandbox.connect(created.id)
            self.assertIsNone(sbx.access_token)
            self.assertEqual(sbx.sandbox_id, created.id)
            res = sbx.commands.run("echo via-key")
            self.assertEqual((res.stdout, res.exit_code), ("via-key\n", 0))
            handle = sbx.commands.run("echo bg", background=True)
            self.assertEqual(handle.wait(10).stdout, "bg\n")
            # the token kept by the creator can be handed over
            with_token = Sandbox.connect(created.id, access_token=created.access_token)
            self.assertEqual(with_token.commands.run("echo via-token").stdout, "via-token\n")
        finally:
            self.assertTrue(Sandbox.kill(created.id))

    def test_context_manager_kills(self) -> None:
        with Sandbox.create(timeout=120) as sbx:
            self.assertEqual(sbx.commands.run("echo in").stdout, "in\n")
        self.assertEqual(Sandbox.get_info(sbx.id).state, "stopped")


class ErrorsTest(unittest.TestCase):
    def setUp(self) -> None:
        platform()

    def test_bad_key_is_an_authentication_error_with_the_server_message(self) -> None:
        for bad in ("ask_nope_nope", "not-a-key"):
            status, body = raw("GET", "/v1/sandboxes", key=bad)
            self.assertEqual(status, 401)
            with self.assertRaises(AuthenticationError) as ctx:
                Sandbox.list(api_key=bad)
            err = ctx.exception
            self.assertEqual((err.status, err.code), (401, body["error"]["code"]))
            self.assertEqual(str(err), body["error"]["message"])
            self.assertEqual(err.message, body["error"]["message"])
            with self.assertRaises(AuthenticationError):
                Sandbox.create(api_key=bad)

    def test_unknown_sandbox_is_not_found(self) -> None:
        status, body = raw("GET", f"/v1/sandboxes/{UNKNOWN}")
        self.assertEqual(status, 404)
        with self.assertRaises(NotFoundError) as ctx:
            Sandbox.connect(UNKNOWN)
        err = ctx.exception
        self.assertEqual((err.status, err.code, str(err)), (404, "sandbox_not_found", body["error"]["message"]))
        with self.assertRaises(NotFoundError):
            Sandbox.get_info(UNKNOWN)
        with self.assertRaises(NotFoundError):
            Sandbox.set_timeout(UNKNOWN, 60)

    def test_viewer_key_is_forbidden_to_create(self) -> None:
        status, key = raw("POST", "/v1/api-keys", {"name": "python-sdk-viewer", "role": "viewer"})
        self.assertEqual(status, 201, key)
        try:
            self.assertIsInstance(Sandbox.list(api_key=key["key"]), list)  # viewer may read
            with self.assertRaises(ForbiddenError) as ctx:
                Sandbox.create(api_key=key["key"])
            self.assertEqual(ctx.exception.status, 403)
            self.assertTrue(ctx.exception.message)
        finally:
            self.assertEqual(raw("DELETE", f"/v1/api-keys/{key['id']}")[0], 204)
        # a revoked key is refused at once
        wait_for(lambda: raw("GET", "/v1/sandboxes", key=key["key"])[0] == 401, 5, "the revoked key to be refused")
        with self.assertRaises(AuthenticationError):
            Sandbox.list(api_key=key["key"])


if __name__ == "__main__":
    unittest.main()
