"""Regenerates the README's pictures, the design review's before/after pictures and the contact sheet of the
main journeys from the app itself (`main.py --screenshot`).

    .venv/bin/python docs/make_pictures.py

| Output | What |
|---|---|
| docs/screenshots/<state>.png | the README's pictures, half size |
| docs/screenshots/after/<state>.png | the design review's "after" pictures, full size, beside before/ (issue 16) |
| docs/screenshots/contact-sheet.png | every step of the main journeys, portrait, in Chinese, on one sheet |
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
PICTURES = [
    "attract-portrait-zh-standard", "home-portrait-zh-standard", "home-portrait-zh-elder",
    "idle-dialog-portrait-zh-standard", "home-landscape-en-standard", "attract-landscape-zh-elder",
    "ticket.choose-portrait-zh-standard", "ticket.done-portrait-zh-elder", "one_card.result-portrait-zh-standard",
    "ticket.not-printed-landscape-en-standard", "home.offline-portrait-zh-standard",
    "help-dialog-portrait-zh-standard", "closing-note-portrait-zh-elder", "appointment.choose_day-portrait-zh-standard",
    "appointment.appointments-portrait-zh-standard", "out_of_service.closed-portrait-zh-standard",
    "pin-pad-portrait-zh-standard", "maintenance-portrait-zh-standard",
]
# The design review of issue 16: the same states as docs/screenshots/before/, drawn by the kiosk as it is now.
REVIEWED = [f"{state}-{variant}" for state in ("home", "ticket.done", "one_card.waiting-card", "one_card.result",
                                               "complaint.kind", "complaint.phrases", "complaint.done")
            for variant in ("portrait-zh-standard", "portrait-zh-elder", "landscape-en-standard")]
# The contact sheet: the main journeys, step by step, as a citizen meets them.
JOURNEYS = [
    "attract", "home", "help-dialog", "ticket.choose", "ticket.done", "closing-note",
    "appointment.appointments", "appointment.choose_matter", "appointment.choose_day", "appointment.confirm",
    "one_card.waiting-card", "one_card.result", "complaint.kind", "complaint.phrases", "complaint.write-handwriting",
    "complaint.write-pinyin", "complaint.phone", "complaint.done", "gas.insert_card", "gas.amount", "gas.pay-scan", "gas.done", "out_of_service.closed",
    "pin-pad", "maintenance",
]
SHEET_COLUMNS, THUMB_WIDTH, CAPTION_HEIGHT = 6, 270, 34


def contact_sheet(shots: Path, states: list[str]) -> Image.Image:
    files = [shots / f"{state}-portrait-zh-standard.png" for state in states]
    files = [file for file in files if file.exists()]
    thumbs = []
    for file in files:
        image = Image.open(file).convert("RGB")
        image.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
        thumbs.append((file.name.rsplit("-", 3)[0], image))
    rows = -(-len(thumbs) // SHEET_COLUMNS)
    cell_height = max(image.height for _name, image in thumbs) + CAPTION_HEIGHT
    sheet = Image.new("RGB", (SHEET_COLUMNS * (THUMB_WIDTH + 12) + 12, rows * (cell_height + 12) + 12), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=20)
    for index, (name, image) in enumerate(thumbs):
        left = 12 + (index % SHEET_COLUMNS) * (THUMB_WIDTH + 12)
        top = 12 + (index // SHEET_COLUMNS) * (cell_height + 12)
        sheet.paste(image, (left, top))
        draw.rectangle((left - 1, top - 1, left + image.width, top + image.height), outline="#4A5260")
        draw.text((left, top + image.height + 6), name, fill="#1B1F24", font=font)
    return sheet


def main() -> None:
    wanted = {name.rsplit("-", 3)[0] for name in PICTURES + REVIEWED} | set(JOURNEYS)
    with tempfile.TemporaryDirectory() as directory:
        shots = Path(directory)
        subprocess.run([sys.executable, str(ROOT / "main.py"), "--screenshot", str(shots), "--screenshot-only",
                        ",".join(sorted(wanted))], check=True, cwd=ROOT)
        for name in PICTURES:
            image = Image.open(shots / f"{name}.png").convert("RGB")
            image.thumbnail((image.width // 2, image.height // 2))
            image.save(SCREENSHOTS / f"{name}.png", optimize=True)
        (SCREENSHOTS / "after").mkdir(exist_ok=True)
        for name in REVIEWED:
            Image.open(shots / f"{name}.png").save(SCREENSHOTS / "after" / f"{name}.png", optimize=True)
        contact_sheet(shots, JOURNEYS).save(SCREENSHOTS / "contact-sheet.png", optimize=True)


if __name__ == "__main__":
    main()
