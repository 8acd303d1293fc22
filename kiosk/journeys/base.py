"""What every citizen journey has in common: a current view, an observer, and a cancel switch.

A journey (取号, 一证通办, 预约, ...) is a small state machine in `kiosk/`: an Enum of steps, a frozen view
dataclass per state, and methods for the citizen's choices and for answers from the hall and devices.
Slow calls go through the BackgroundWorker, so answers arrive on the UI thread; the screen observes the
journey through `on_change` and renders the view. When the citizen leaves, the screen cancels the
journey: answers still on their way are then dropped, and nothing of this citizen's is shown again.

    class TicketJourney(Journey[TicketView]):
        def begin(self): self._show(TicketView(TicketStep.LOADING)); ...
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

__all__ = ["Journey"]

View = TypeVar("View")


class Journey(Generic[View]):
    def __init__(self, first_view: View, on_change: Callable[[View], None]) -> None:
        self.view = first_view
        self._on_change = on_change
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """The citizen left: answers still on their way are dropped, nothing more is shown."""
        self._cancelled = True

    def _show(self, view: View) -> None:
        if not self._cancelled:
            self.view = view
            self._on_change(view)
