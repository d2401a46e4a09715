"""Two small drivers: Chromium with the extension (Playwright), Firefox with it (WebDriver BiDi)."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import subprocess
import threading
import time
import uuid
from pathlib import Path

POPUP_VIEWPORT = {"width": 380, "height": 600}


class Chrome:
    """A persistent Chromium context with the extension loaded, and its service worker."""

    def __init__(
        self, playwright, executable: Path, extension: Path, profile: Path, args: tuple = ()
    ):
        self.playwright, self.profile = playwright, profile
        self.context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(executable),
            headless=True,
            viewport=POPUP_VIEWPORT,
            args=[
                f"--disable-extensions-except={extension}",
                f"--load-extension={extension}",
                "--remote-debugging-port=0",
                "--no-first-run",
                *args,
            ],
        )
        workers = self.context.service_workers
        self.worker = workers[0] if workers else self.context.wait_for_event("serviceworker")
        self.id = self.worker.url.split("/")[2]
        self.base = f"chrome-extension://{self.id}"
        self.wait_for_defaults()

    def wait_for_defaults(self, seconds: float = 10) -> dict:
        """runtime.onInstalled writes default settings: wait for them before setting our own."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            stored = self.storage()
            if "serverUrl" in stored and "token" in stored:
                return stored
            time.sleep(0.05)
        raise AssertionError("the extension never wrote its default settings")

    def storage(self) -> dict:
        return self.worker.evaluate("chrome.storage.local.get(['serverUrl', 'token'])")

    def settings(self, **values: str) -> None:
        self.worker.evaluate("(values) => chrome.storage.local.set(values)", values)

    def popup(self, query: str = ""):
        """A new tab showing popup.html with a query such as ?url=..."""
        page = self.context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.on("console", lambda m: self._console(page, m))
        page.goto(f"{self.base}/popup.html{query}")
        return page

    @staticmethod
    def _console(page, message) -> None:
        # a 4xx answer is logged by the browser itself; the popup shows it in words instead
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            page.errors.append(message.text)

    def open(self, url: str):
        """A new tab showing a web page, and that tab's id."""
        page = self.context.new_page()
        page.goto(url)
        tab_id = self.worker.evaluate(
            """async (url) => {
                 const tabs = await chrome.tabs.query({ url: "http://127.0.0.1/*" });
                 return tabs.find((tab) => tab.url === url)?.id ?? null;
               }""",
            url,
        )
        assert tab_id is not None, f"no tab for {url}"
        return page, tab_id

    def devtools_port(self) -> int:
        return int((self.profile / "DevToolsActivePort").read_text().split()[0])

    def close_pages(self, keep: int = 1) -> None:
        for page in self.context.pages[keep:]:
            page.close()

    def close(self) -> None:
        self.context.close()


class Bidi:
    """A WebDriver BiDi session over one WebSocket: commands in order, events ignored."""

    def __init__(self, url: str):
        from websockets.sync.client import connect

        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(
            connect(url + "/session", max_size=None, open_timeout=30)
        )
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=60))
            if message.get("id") == self.next_id:
                if message.get("type") == "error":
                    raise AssertionError(f"{method}: {message['error']}: {message['message']}")
                return message["result"]

    def close(self) -> None:
        self.stack.close()


class Firefox:
    """Firefox with the extension installed through WebDriver BiDi's webExtension.install."""

    ADDON_ID = "paperboy@paperboy.local"

    def __init__(
        self,
        executable: str,
        extension: Path,
        profile: Path,
        prefs: dict | None = None,
        accept_insecure: bool = False,
    ):
        self.uuid = str(uuid.uuid4())
        # accept_insecure: a certificate of the tests' own HTTPS servers is taken
        self.capabilities = (
            {"alwaysMatch": {"acceptInsecureCerts": True}} if accept_insecure else {}
        )
        self.base = f"moz-extension://{self.uuid}"
        prefs = {
            # a fixed internal UUID, so the test knows the moz-extension:// origin
            "extensions.webextensions.uuids": json.dumps({self.ADDON_ID: self.uuid}),
            "browser.shell.checkDefaultBrowser": False,
            "datareporting.policy.dataSubmissionEnabled": False,
            "app.update.disabledForTesting": True,
            "browser.startup.page": 0,
            # optional permissions are granted without the prompt a person would answer
            "extensions.webextOptionalPermissionPrompts": False,
            **(prefs or {}),
        }
        lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
        (profile / "user.js").write_text("\n".join(lines) + "\n")
        self.proc = subprocess.Popen(
            [executable, "--headless", "--no-remote", "--profile", str(profile),
             "--remote-debugging-port=0", "--remote-allow-system-access"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            self._session(extension)
        except BaseException:
            self.proc.kill()  # never leave a browser behind
            self.proc.wait(20)
            raise

    def _session(self, extension: Path) -> None:
        self.bidi = Bidi(self._listening())
        self.bidi.call("session.new", capabilities=self.capabilities)
        self.bidi.call(
            "webExtension.install", extensionData={"type": "path", "path": str(extension)}
        )
        self.context = self.bidi.call("browsingContext.getTree")["contexts"][0]["context"]
        self.bidi.call("browsingContext.setViewport", context=self.context, viewport=POPUP_VIEWPORT)

    def _listening(self, seconds: float = 60) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            line = self.proc.stderr.readline()
            found = re.search(r"WebDriver BiDi listening on (ws://\S+)", line)
            if found:
                # keep reading, so that a full pipe never blocks Firefox
                self.reader = threading.Thread(target=self.proc.stderr.read, daemon=True)
                self.reader.start()
                return found.group(1)
            if not line and self.proc.poll() is not None:
                break
        raise AssertionError("Firefox did not start WebDriver BiDi")

    def goto(self, url: str) -> None:
        self.bidi.call("browsingContext.navigate", context=self.context, url=url, wait="complete")

    def evaluate(self, expression: str):
        """The JSON value of an expression in the current page (promises awaited)."""
        result = self.bidi.call(
            "script.evaluate",
            expression=f"(async () => JSON.stringify(await ({expression})))()",
            target={"context": self.context},
            awaitPromise=True,
        )
        if result["type"] == "exception":
            raise AssertionError(result["exceptionDetails"]["text"])
        value = result["result"].get("value")
        return None if value is None else json.loads(value)

    def press(self, key: str) -> None:
        """Press and release one key, as the keyboard does, where the focus is."""
        keys = [{"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]
        self.bidi.call(
            "input.performActions",
            context=self.context,
            actions=[{"type": "key", "id": "keyboard", "actions": keys}],
        )

    def click(self, selector: str) -> None:
        """Click the middle of an element with the mouse, as a person does (a user gesture)."""
        box = self.evaluate(
            "((e) => { e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect();"
            " return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })"
            f"(document.querySelector({json.dumps(selector)}))"
        )
        moves = [
            {"type": "pointerMove", "x": round(box["x"]), "y": round(box["y"])},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ]
        self.bidi.call(
            "input.performActions",
            context=self.context,
            actions=[{"type": "pointer", "id": "mouse", "actions": moves}],
        )

    def wait_for(self, expression: str, seconds: float = 10):
        """Poll an expression until it is truthy; return its value."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {expression}")

    def screenshot(self, path: Path) -> None:
        shot = self.bidi.call("browsingContext.captureScreenshot", context=self.context)
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.bidi.call("session.end")
            self.bidi.close()
        finally:
            self.proc.terminate()
            self.proc.wait(20)
            self.reader.join(5)
            self.proc.stderr.close()
