"""How long the Chinese input takes on this machine: zinnia's classification of the recorded characters, and
librime's deploy (first and later), one key press and one candidate choice. Prints figures; not a test.

    .venv/bin/python bench/text_input.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.devices.text_input.handwriting import ZinniaRecogniser  # noqa: E402
from kiosk.devices.text_input.pinyin import Rime  # noqa: E402
from tests.fixtures.text_input import recorded, strokes_of  # noqa: E402

ROUNDS = 50


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    started = time.perf_counter()
    recogniser = ZinniaRecogniser.open()
    print(f"zinnia: model opened in {(time.perf_counter() - started) * 1000:.1f} ms")
    for character in recorded()["characters"]:
        strokes = strokes_of(character)
        times = [timed(lambda: recogniser.recognise(strokes, width=300, height=300)) for _ in range(ROUNDS)]
        print(f"  {character}: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms")
    recogniser.close()

    rime = Rime.load()
    with tempfile.TemporaryDirectory() as folder:
        print(f"librime: first deploy {timed(lambda: rime.deploy(Path(folder) / 'rime')):.0f} ms")
        rime.finalize()
        print(f"librime: deploy of a deployed folder {timed(lambda: rime.deploy(Path(folder) / 'rime')):.1f} ms")
        session = rime.open_session()
        keys, choices = [], []
        for _ in range(ROUNDS):
            for letter in "zhengwu":
                keys.append(timed(lambda: session.type_letters(letter)))
            choices.append(timed(lambda: session.select(0)))
        print(f"librime: a key press {statistics.median(keys):.2f} ms median, {max(keys):.2f} ms max; "
              f"a choice {statistics.median(choices):.2f} ms median")
        session.close()
        rime.finalize()


if __name__ == "__main__":
    main()
