"""Shared helpers of the tests: the platform under test and polling with a deadline."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def platform() -> tuple[str, str]:
    """(api_url, api_key) of the running platform; fails clearly when they are not set."""
    url = os.environ.get("TENSORBOX_API_URL")
    key = os.environ.get("TENSORBOX_API_KEY")
    if not url or not key:
        raise RuntimeError(
            "These tests run against a running TensorBox platform: set TENSORBOX_API_URL and "
            "TENSORBOX_API_KEY (an admin key)"
        )
    return url.rstrip("/"), key


def wait_for(check: Callable[[], T | None], timeout: float = 10.0, what: str = "condition") -> T:
    """Polls ``check`` until it returns a truthy value; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def raw(method: str, path: str, body: Any = None, key: str | None = None) -> tuple[int, Any]:
    """A request made without the SDK (to compare with what the SDK reports)."""
    url, admin = platform()
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {key or admin}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        payload = e.read()
        return e.code, json.loads(payload) if payload else None
