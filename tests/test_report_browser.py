"""A small driver for the system's Chromium over the DevTools protocol, for the report's browser tests.

Chromium's ``--window-size`` cannot go below 500 px in headless mode, so a phone-width page needs the
protocol's device emulation, as Playwright does it, without a download: the browser is started with
``--remote-debugging-pipe`` and spoken to over two pipes (file descriptors 3 and 4, messages ending in
a NUL byte). Used by tests/test_report.py; the test here checks the emulation itself.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0  # seconds for any one reply


def find_chromium() -> str | None:
    """The system's Chromium or Chrome, or None."""
    for name in NAMES:
        if found := shutil.which(name):
            return found
    return None


class Browser:
    """One headless Chromium with one page; ``with Browser(path, profile) as browser: browser.open(url, ...)``."""

    def __init__(self, executable: str, profile: Path) -> None:
        to_browser, self._writer = os.pipe()
        self._reader, from_browser = os.pipe()

        def give_pipes() -> None:  # in the child: our pipe ends become its fds 3 (reads) and 4 (writes)
            reads, writes = os.dup(to_browser), os.dup(from_browser)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        command = [executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        command += ["--remote-debugging-pipe", "--no-first-run", "--disable-background-networking"]
        command += ["--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "about:blank"]
        self.process = subprocess.Popen(
            command, preexec_fn=give_pipes, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=False
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next = 0
        self._session: str | None = None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.send("Browser.close", page=False)
            self.process.wait(timeout=20)
        except (RuntimeError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(timeout=20)
        finally:
            os.close(self._writer)
            os.close(self._reader)

    def send(self, method: str, page: bool = True, **params: object) -> dict:
        """One protocol command (to the page's session unless ``page=False``); its result, or RuntimeError."""
        self._next += 1
        message: dict = {"id": self._next, "method": method, "params": params}
        if page and self._session:
            message["sessionId"] = self._session
        os.write(self._writer, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" not in self._buffer:
                if not select.select([self._reader], [], [], max(0.0, deadline - time.monotonic()))[0]:
                    raise RuntimeError(f"Chromium did not answer {method} within {TIMEOUT:.0f} s")
                chunk = os.read(self._reader, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"Chromium closed during {method}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def open(self, url: str, width: int, height: int, mobile: bool = False, media: str = "") -> None:
        """A page at this CSS viewport (as a phone's with ``mobile``), for ``media`` 'print' or the screen."""
        target = self.send("Target.createTarget", page=False, url="about:blank")["targetId"]
        self._session = self.send("Target.attachToTarget", page=False, targetId=target, flatten=True)["sessionId"]
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
        self.send("Emulation.setEmulatedMedia", media=media)
        self.send("Page.enable")
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + TIMEOUT
        ready = "document.readyState === 'complete' && [...document.images].every(image => image.complete)"
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not finish loading within {TIMEOUT:.0f} s")
            time.sleep(0.1)

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def screenshot(self, path: Path, top: int, height: int) -> None:
        """A PNG of the page from ``top`` (CSS px), ``height`` tall, at the viewport's width."""
        width = self.evaluate("innerWidth")
        clip = {"x": 0, "y": top, "width": width, "height": height, "scale": 1}
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def pdf(self) -> bytes:
        """The page printed as the browser would print it (its print CSS, A4 from its @page rule)."""
        data = self.send("Page.printToPDF", preferCSSPageSize=True, printBackground=True)["data"]
        return base64.b64decode(data)


@pytest.mark.slow  # starts Chromium
def test_device_emulation_gives_a_phone_viewport_below_chromiums_window_minimum(tmp_path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine: install Debian's `chromium` (apt-get install -y chromium)")
    page = tmp_path / "page.html"
    page.write_text('<!doctype html><meta name="viewport" content="width=device-width"><p>phone</p>')
    with Browser(chromium, tmp_path / "profile") as browser:
        browser.open(page.as_uri(), width=420, height=800, mobile=True)
        assert browser.evaluate("[innerWidth, document.documentElement.clientWidth]") == [420, 420]
        assert browser.evaluate("matchMedia('(max-width: 640px)').matches") is True
