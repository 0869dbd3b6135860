"""The README's picture of the report: clean ``samples/`` with ``--report`` and photograph the
page in headless Chromium (Debian's ``chromium``).

    python3 -m tools.screenshot_report [--out docs/report.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

import cleaner

REPO = Path(__file__).resolve().parent.parent
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "report.png")
    parser.add_argument("--height", type=int, default=2300)
    args = parser.parse_args()
    browser = shutil.which("chromium")
    if browser is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out"
        os.chdir(REPO)  # the report names its inputs as given: "samples", as in the quick start
        cleaner.clean("samples", workers=1).write(out, report=True)
        shot = Path(work) / "shot.png"
        command = [browser, *FLAGS, f"--user-data-dir={work}/profile", f"--window-size=1280,{args.height}", f"--screenshot={shot}"]
        subprocess.run([*command, (out / "report.html").as_uri()], check=True, capture_output=True, timeout=120)
        with Image.open(shot) as image:  # a palette of 256 colours: a third of the bytes, same look
            image.convert("RGB").quantize(256).save(args.out, optimize=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
