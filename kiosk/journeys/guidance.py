"""What the kiosk tells a citizen who is unsure, without Kivy: where the card goes and where the slip comes
out on this machine model, the event that calls a member of staff, and when a closed kiosk opens, in words.

    model = machine_model("upright")                 # where the reader and the printer slot are
    outbox.enqueue_event(*staff_call("guide"))       # 呼叫工作人员: the hall's device events show it
    opening_words(now, opening, "zh", catalogue)     # "明天（星期二）09:00"

| Machine model | Reader | Printer slot |
|---|---|---|
| upright (立式一体机) | on the shelf below the screen, right | in the body below the shelf, left |
| desktop (台式一体机) | on the desk right of the screen | in the base, below the screen |
| wall (壁挂式一体机) | beside the screen, right, lower half | below the screen, centre |
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

__all__ = ["MachineModel", "MACHINE_MODELS", "machine_model", "staff_call", "opening_words", "STAFF_CALL_EVENT"]

STAFF_CALL_EVENT = "citizen.call_staff"


@dataclass(frozen=True)
class MachineModel:
    """A kiosk body as fractions of the picture (0..1 from the left and the bottom): the screen, the ID card
    reader and the printer slot. The guide draws these; only the positions differ between models."""

    name: str
    body: tuple[float, float, float, float]      # left, bottom, width, height
    screen: tuple[float, float, float, float]
    reader: tuple[float, float, float, float]
    slot: tuple[float, float, float, float]


MACHINE_MODELS = {
    "upright": MachineModel("upright", body=(0.25, 0.0, 0.5, 1.0), screen=(0.3, 0.5, 0.4, 0.45),
                            reader=(0.52, 0.36, 0.16, 0.09), slot=(0.32, 0.22, 0.18, 0.04)),
    "desktop": MachineModel("desktop", body=(0.1, 0.15, 0.8, 0.75), screen=(0.15, 0.35, 0.5, 0.5),
                            reader=(0.7, 0.5, 0.15, 0.15), slot=(0.25, 0.2, 0.3, 0.05)),
    "wall": MachineModel("wall", body=(0.15, 0.1, 0.7, 0.85), screen=(0.2, 0.4, 0.45, 0.5),
                         reader=(0.7, 0.45, 0.12, 0.15), slot=(0.33, 0.18, 0.2, 0.04)),
}


def machine_model(name: str) -> MachineModel:
    """The model the profile names (ui.machine_model); ValueError names the known ones."""
    try:
        return MACHINE_MODELS[name]
    except KeyError:
        raise ValueError(f"unknown machine model {name!r}: use one of {', '.join(MACHINE_MODELS)}") from None


def staff_call(screen: str) -> tuple[str, str, str]:
    """The device event (type, severity, message) of 呼叫工作人员 on `screen`: a warning, so the hall's staff
    see it among the kiosk's problems. It names the screen, never the citizen."""
    return STAFF_CALL_EVENT, "warning", f"a citizen asks for help on the {screen or 'home'} screen"


def opening_words(now: datetime, opening: datetime | None, language: str, catalogue) -> str:
    """When a closed kiosk opens next, as a citizen says it: 今天 14:00, 明天（星期二）09:00, 11月30日（星期一）09:00."""
    if opening is None:
        return ""
    days = (opening.date() - now.date()).days
    weekday = catalogue.text(f"weekday.{opening.weekday()}", language)
    time = opening.strftime("%H:%M")
    if days <= 0:
        return catalogue.text("opening.today", language, time=time)
    if days == 1:
        return catalogue.text("opening.tomorrow", language, time=time, weekday=weekday)
    month = opening.month if language == "zh" else calendar.month_name[opening.month]
    return catalogue.text("opening.later", language, time=time, weekday=weekday, month=month, day=opening.day)
