"""Benchmark: how soon the extension popup shows a paper's card, against a warm `paperboy serve`.

    python bench/popup.py [--runs 40] [--import PATH ...] [--url URL]

Fills a temporary store from server/demo (and any --import paths, such as the HF bulk set),
starts `paperboy serve` on 127.0.0.1, loads the extension into Debian's Chromium (Playwright,
headless) and opens popup.html?url=URL --runs times after a few warm-up opens. popup.js marks
`paperboy:card` when the card is in the DOM; its startTime is the time from navigation start.
Prints p50/p95 as a Markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTENSION = ROOT / "extension"
CHROMIUM = Path(os.environ.get("PAPERBOY_CHROMIUM", "/usr/lib/chromium/chromium"))
PAPERBOY = [
    sys.executable,
    "-c",
    "from server.cli import main; main(prog_name='paperboy')",
]
WARMUP = 5
MARK = "performance.getEntriesByName('paperboy:card')[0]?.startTime ?? null"
LOOKUP = (
    "performance.getEntriesByType('resource')"
    ".find((e) => e.name.includes('/api/lookup'))?.duration ?? null"
)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(data: Path, imports: list[str]) -> tuple[subprocess.Popen, str]:
    """A store from the demo pages and `imports`, served on a free port: (process, base URL)."""
    demo = str(ROOT / "server" / "demo")
    subprocess.run([*PAPERBOY, "--data", str(data), "import", "--quiet", demo, *imports],
                   check=False, stdout=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    proc = subprocess.Popen([*PAPERBOY, "--data", str(data), "serve", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("paperboy serve did not start")


def measure(base: str, url: str, runs: int) -> tuple[list[float], list[float]]:
    """Card times and lookup request times (ms) over `runs` popup opens."""
    from playwright.sync_api import sync_playwright

    cards, lookups = [], []
    with tempfile.TemporaryDirectory() as profile, sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True,
            viewport={"width": 380, "height": 600},
            args=[f"--disable-extensions-except={EXTENSION}", f"--load-extension={EXTENSION}"],
        )  # fmt: skip
        worker = (
            ctx.service_workers[0] if ctx.service_workers else ctx.wait_for_event("serviceworker")
        )
        while "serverUrl" not in worker.evaluate("chrome.storage.sync.get()"):
            time.sleep(0.05)  # onInstalled writes the defaults first
        worker.evaluate("(url) => chrome.storage.sync.set({ serverUrl: url })", base)
        popup = f"{worker.url.rsplit('/', 1)[0]}/popup.html?url={urllib.parse.quote(url)}"
        for n in range(WARMUP + runs):
            page = ctx.new_page()
            page.goto(popup)
            page.wait_for_selector(".card h2")
            if n >= WARMUP:
                cards.append(page.evaluate(MARK))
                lookups.append(page.evaluate(LOOKUP))
            page.close()
        ctx.close()
    return cards, lookups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--import", dest="imports", nargs="*", default=[])
    parser.add_argument("--url", default="https://arxiv.org/abs/2408.90001v2")
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        raise SystemExit(f"Chromium is not at {CHROMIUM}: apt-get install chromium")
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(Path(tmp) / "data", args.imports)
        try:
            with urllib.request.urlopen(base + "/api/health") as response:
                papers = response.read().decode().split('"papers":')[1].split(",")[0]
            cards, lookups = measure(base, args.url, args.runs)
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"Popup card time, {args.runs} opens after {WARMUP} warm-up, store of {papers} papers, "
          f"{platform.machine()} with {os.cpu_count()} CPUs, Chromium headless\n")  # fmt: skip
    print("| measure | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|")
    for name, values in (("navigation start to card rendered", cards),
                         ("GET /api/lookup (resource timing)", lookups)):  # fmt: skip
        print(f"| {name} | {pct(values, 50):.0f} | {pct(values, 95):.0f} | {max(values):.0f} |")


if __name__ == "__main__":
    main()
