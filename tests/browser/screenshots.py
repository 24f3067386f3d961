"""Take the README screenshots of the pages from a real data directory (run by hand, not by pytest).

    rm -rf /tmp/pg && .venv/bin/kgmatch --data-dir /tmp/pg load demo
    printf 'pw12345678\\n' | .venv/bin/kgmatch --data-dir /tmp/pg user add officer --role officer --password-stdin
    .venv/bin/python tests/browser/screenshots.py --data-dir /tmp/pg --user officer --password pw12345678

writes ``docs/screenshots/recommendations.png`` (a demand with its experts, explanation graph and
teams), ``graph-explorer.png`` (the neighbourhood of the demand's first field),
``dashboard.png``, ``challenge.png`` (a 揭榜 challenge being implemented), ``dispatch.png``
(a 科技专员 dispatch with its service records) and ``reports.png`` with headless Chromium.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

__all__ = ["main"]

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    """Serve the data directory, sign in, and save the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--demand", default="demand:syn-0001")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run as a script from any directory
    from browser.cdp import Chromium, find_chromium
    from browser.server import serving

    from api.app import create_app

    chromium = find_chromium()
    if chromium is None:
        print("chromium not found: apt-get install -y chromium fonts-wqy-microhei", file=sys.stderr)
        return 1
    out = Path(args.out)
    app = create_app({"KGMATCH_DATA_DIR": args.data_dir})
    with app.app_context():
        app.extensions["kgmatch"].index()  # warm up before the browser waits on it
    with serving(app) as base, Chromium(chromium, width=1400, height=900, timeout=120) as browser:
        browser.navigate(f"{base}/login")
        browser.fill({"#username": args.user, "#password": args.password})
        browser.submit("document.querySelector('form').submit()")
        browser.navigate(f"{base}/demands/{args.demand}?top_k=5")
        browser.wait_until("document.querySelector('.kg-graph[data-drawn]') !== null")
        browser.screenshot(out / "recommendations.png", max_height=2600)
        field = browser.evaluate("document.querySelector('dl.facts .tag a').getAttribute('href')")
        browser.navigate(f"{base}{field}?depth=1&max_nodes=50")
        browser.wait_until("document.querySelector('.kg-graph[data-drawn]') !== null")
        browser.screenshot(out / "graph-explorer.png", max_height=1100)
        browser.navigate(f"{base}/stats")
        browser.screenshot(out / "dashboard.png", max_height=2600)
        for listing, name in (("/challenges?status=实施中", "challenge.png"), ("/dispatches", "dispatch.png")):
            browser.navigate(f"{base}{listing}")
            first = browser.evaluate("document.querySelector('main tbody a').getAttribute('href')")
            browser.navigate(f"{base}{first}")
            browser.screenshot(out / name, max_height=1800)
        browser.navigate(f"{base}/reports")
        browser.screenshot(out / "reports.png", max_height=2200)
        problems = [u for u in browser.requests if not u.startswith(base) and not u.startswith("data:")]
    app.extensions["kgmatch"].close()
    print(f"saved screenshots to {out}; requests outside the app: {problems or 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
