"""Screenshots of a day page and a paper page for README, in headless Chromium.

python tests/site/shoot.py SITE_DIR [OUT_DIR]   (OUT_DIR default: site/screenshots)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"
SHOTS = {"day.png": "day/2024-08-05.html", "paper.png": "paper/2408.90001.html"}


def main() -> None:
    """Open each page at 1000 px wide and save the top of it as PNG."""
    site = Path(sys.argv[1]).resolve()
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "site/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        for name, rel in SHOTS.items():
            page.goto((site / rel).as_uri())
            page.screenshot(path=str(out / name))
            print(f"wrote {out / name}")
        browser.close()


if __name__ == "__main__":
    main()
