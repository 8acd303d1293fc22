"""Regenerates the README's pictures from the app itself: `main.py --screenshot`, a selection, half size.

    .venv/bin/python docs/make_pictures.py
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PICTURES = [
    "attract-portrait-zh-standard", "home-portrait-zh-standard", "home-portrait-zh-elder",
    "idle-dialog-portrait-zh-standard", "home-landscape-en-standard", "attract-landscape-zh-elder",
    "ticket.choose-portrait-zh-standard", "ticket.done-portrait-zh-elder", "one_card.result-portrait-zh-standard",
    "ticket.not-printed-landscape-en-standard", "home.offline-portrait-zh-standard",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as shots:
        states = ",".join(sorted({name.rsplit("-", 3)[0] for name in PICTURES}))
        subprocess.run([sys.executable, str(ROOT / "main.py"), "--screenshot", shots, "--screenshot-only", states],
                       check=True, cwd=ROOT)
        for name in PICTURES:
            image = Image.open(Path(shots) / f"{name}.png").convert("RGB")
            image.thumbnail((image.width // 2, image.height // 2))
            image.save(ROOT / "docs" / "screenshots" / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
