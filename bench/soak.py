"""Soak: the real kiosk app, drawn offscreen, through a simulated day of citizens at accelerated time, with
faults injected at random, checked throughout. A kiosk runs unattended for months; this shows whether it does.

    .venv/bin/python bench/soak.py [--journeys 20000] [--hall embedded|remote] [--plot soak.png]

What runs: the demo profile's app (kiosk.*, screens.*) with its simulated ID card reader and ticket printer
over real pseudo-terminals, talking HTTP to the reference hall through bench/hall_proxy.py, a loopback
proxy in its own process whose faults the soak switches. `--hall embedded` (the default) runs the hall in
this process, as the demo does, and moves the wall clock through the day (time-machine: 08:30 to 18:00 at
the site, spread over the run); `--hall remote` runs hall_server in its own process, as a site does (the
wall clock then runs true: the hall refuses requests signed at a shifted time), so this process's memory is
the kiosk's alone. The kiosk's monotonic clock jumps when a citizen walks away, so the idle countdown and the
session wipe happen without waiting a minute of real time.

Each journey is a citizen's: 取号 (then 好差评 when the ticket's window has called), 一证通办, 预约 (check in or
book), 办件查询 (card or case number), 办事指南 (browse, search in pinyin, print), 好差评 by card, 投诉建议; chosen
with a hall's usual mix, driven through the journeys' and screens' own methods (what the buttons call), in
Chinese or English, standard or elder mode; about one in ten walks away mid-way; and 燃气缴费 with the demo
households' gas cards, the demo phone's payment code or the simulated bank card terminal.

Faults, at random (each lasts a few journeys): the ID reader unplugged and back, bad frames from it (bad
checksum, noise, half a reply), paper out and back, the hall down, slow (3 s an answer), answering an HTML
portal page or 503s, and (as root, on a tmpfs data disk) the disk nearly full.

Checked after every journey: the kiosk is back at rest (attract, or out of service) with no session, nothing
personal held (session, the log filter's names) or shown on any screen. Sampled through the run: resident
memory, open file descriptors, threads, the outbox's backlog, and the systemd watchdog's pings (the app pings
from its UI loop; a gap longer than WatchdogSec is a restart). At the end the hall is let back and the
outbox must drain. A table is printed and memory and latency are plotted to a PNG.
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import logging
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KIOSK_ID = "demo-kiosk-01"
KIOSK_SECRET = "soak-secret-0123456789abcdef"
OUTBOX_KEY = "soak-outbox-key-0123456789"
SITE = ZoneInfo("Asia/Shanghai")
DAY_START = (8, 30)
DAY_LENGTH = timedelta(hours=9, minutes=30)
WATCHDOG_S = 30   # deploy/gov-kiosk.service: WatchdogSec=30
RESTING = ("attract", "out_of_service")

# A hall's usual mix of what citizens come for (weights); every kind is used.
MIX = {"ticket": 30, "one_card": 12, "appointment": 12, "progress": 12, "guide": 16, "review": 8, "complaint": 10,
       "gas": 10}


class Stuck(Exception):
    """The kiosk did not get where a citizen's next touch needs it within the deadline."""


@dataclass
class SoakOptions:
    journeys: int = 1000
    seed: int = 20261123
    hall: str = "embedded"          # embedded | remote
    fault_every: float = 25.0       # mean journeys between new faults
    walk_away: float = 0.1          # share of citizens who leave mid-way
    sample_every: int = 50
    warm_up: int | None = None      # journeys before the memory baseline; default a tenth, at most 1,000
    deadline_s: float = 30.0        # real seconds a step may take before the screen counts as stuck
    slow_s: float = 3.0             # the slow hall's delay per answer
    draw_every: int = 4             # draw a frame every n clock ticks (software rendering is costly)
    disk_fault: bool = True         # needs root (a tmpfs is mounted for the data directory)
    start: datetime | None = None   # the site's morning the day begins (embedded hall); None: the next working day
    watchdog_s: float = WATCHDOG_S  # systemd's WatchdogSec: the app pings every half of it

    @property
    def warm_up_journeys(self) -> int:
        return self.warm_up if self.warm_up is not None else min(1000, max(1, self.journeys // 10))


@dataclass
class Sample:
    journey: int
    elapsed_s: float
    rss_mib: float
    fds: int
    threads: int
    outbox_pending: int


@dataclass
class SoakReport:
    options: SoakOptions
    kinds: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    faults: dict[str, int] = field(default_factory=dict)
    stuck: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)            # personal data left after a session
    samples: list[Sample] = field(default_factory=list)
    journey_ms: list[tuple[int, float]] = field(default_factory=list)
    kind_ms: dict[str, list[float]] = field(default_factory=dict)
    greeting_ms: list[tuple[int, float]] = field(default_factory=list)
    watchdog_max_gap_s: float = 0.0
    watchdog_pings: int = 0
    outbox_pending_end: int | None = None
    outbox_dead_end: int | None = None
    elapsed_s: float = 0.0
    load: str = ""

    @property
    def baseline(self) -> Sample | None:
        warm = self.options.warm_up_journeys
        return next((s for s in self.samples if s.journey >= warm), None)

    @property
    def watchdog_fired(self) -> bool:
        return self.watchdog_max_gap_s > self.options.watchdog_s

    def failures(self) -> list[str]:
        """What breaks the soak's promises (empty: it passed)."""
        found = [f"stuck: {s}" for s in self.stuck] + [f"personal data left: {l}" for l in self.leaks]
        if self.watchdog_fired:
            found.append(f"watchdog: the UI loop was silent {self.watchdog_max_gap_s:.1f} s")
        if self.outbox_pending_end:
            found.append(f"outbox: {self.outbox_pending_end} items not delivered at the end")
        return found


# --- the world around the kiosk ------------------------------------------------------------------------

class MovingMonotonic:
    """The kiosk's monotonic clock: real time, plus the jumps of citizens who walk away."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


class HallProxy:
    """bench/hall_proxy.py in its own process, switched over its stdin."""

    def __init__(self, upstream: str) -> None:
        self._process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "hall_proxy.py"), "--upstream",
                                          upstream], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self._process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the hall proxy did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"
        self.mode = "pass"

    def set(self, mode: str) -> None:
        self._process.stdin.write(mode + "\n")
        self._process.stdin.flush()
        answer = self._process.stdout.readline()
        if not answer.startswith("OK"):
            raise RuntimeError(f"the hall proxy refused {mode!r}: {answer!r}")
        self.mode = mode.split()[0]

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait(timeout=10)


class WatchdogListener:
    """Plays systemd's side of sd_notify: a datagram socket in $NOTIFY_SOCKET that notes each WATCHDOG=1."""

    def __init__(self, directory: Path, watchdog_s: float) -> None:
        self.path = str(directory / "notify.sock")
        self.watchdog_s = watchdog_s
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._socket.bind(self.path)
        self._socket.setblocking(False)
        self.pings = 0
        self.last: float | None = None
        self.max_gap_s = 0.0

    def environ(self) -> dict[str, str]:
        return {"NOTIFY_SOCKET": self.path, "WATCHDOG_USEC": str(int(self.watchdog_s * 1_000_000))}

    def drain(self) -> None:
        while True:
            try:
                message = self._socket.recv(256)
            except BlockingIOError:
                return
            if b"WATCHDOG=1" in message:
                now = time.monotonic()
                if self.last is not None:
                    self.max_gap_s = max(self.max_gap_s, now - self.last)
                self.last, self.pings = now, self.pings + 1

    def close(self) -> None:
        self._socket.close()


class DataDisk:
    """The kiosk's data directory; as root, on a small tmpfs that a ballast file can nearly fill."""

    SIZE_MIB = 512   # above four times the outbox's 64 MiB floor: "disk low" only while the ballast is in

    def __init__(self, path: Path, want_tmpfs: bool) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.mounted = False
        if want_tmpfs and os.geteuid() == 0:
            result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.SIZE_MIB}m", "tmpfs", str(path)],
                                    capture_output=True)
            self.mounted = result.returncode == 0
        self._ballast = path / "ballast"

    def fill(self, leave_bytes: int) -> None:
        stat = os.statvfs(self.path)
        free = stat.f_bavail * stat.f_frsize
        with open(self._ballast, "ab") as ballast:
            ballast.truncate(ballast.tell() + max(0, free - leave_bytes))
            os.posix_fallocate(ballast.fileno(), 0, ballast.tell() or 1)

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._ballast.unlink()

    def close(self) -> None:
        self.release()
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@dataclass
class World:
    data_dir: Path
    proxy: HallProxy
    watchdog: WatchdogListener
    disk: DataDisk
    monotonic: MovingMonotonic
    travel: object | None = None     # time_machine coordinates while the wall clock is moved (embedded hall)
    embedded_hall: object | None = None


@contextlib.contextmanager
def open_world(directory: Path, options: SoakOptions) -> Iterator[World]:
    """The hall (in this process or its own), the fault proxy in front of it, the watchdog's socket and the
    data disk; the wall clock moved to the start of the site's day when the hall is in this process."""
    import time_machine

    disk = DataDisk(directory / "data", options.disk_fault)
    watchdog = WatchdogListener(directory, options.watchdog_s)
    stack = contextlib.ExitStack()
    stack.callback(disk.close)
    stack.callback(watchdog.close)
    with stack:
        travel = None
        embedded = hall_process = None
        if options.hall == "embedded":
            start = (options.start or datetime.now(SITE)).astimezone(SITE).replace(
                hour=DAY_START[0], minute=DAY_START[1], second=0, microsecond=0)
            while start.weekday() >= 5:   # a working day: the hall's seeded queues and appointments are real
                start += timedelta(days=1)
            traveller = time_machine.travel(start, tick=True)
            travel = traveller.start()
            stack.callback(traveller.stop)
            from hall_server.embedded import start_embedded

            embedded = start_embedded(str(directory / "hall.sqlite3"), KIOSK_ID, KIOSK_SECRET)
            stack.callback(embedded.stop)
            upstream = embedded.base_url.removeprefix("http://")
        else:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            from hall_server.kiosk_secrets import write_kiosks_file

            kiosks = write_kiosks_file(directory / "kiosks", {KIOSK_ID: KIOSK_SECRET})
            hall_process = subprocess.Popen(
                [sys.executable, "-m", "hall_server", "--port", str(port), "--db", str(directory / "hall.sqlite3"),
                 "--kiosks-file", str(kiosks), "--always-open", "--simulate", "20"],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=open(directory / "hall.log", "wb"))
            stack.callback(lambda: (hall_process.terminate(), hall_process.wait(timeout=30)))
            upstream = f"127.0.0.1:{port}"
            _wait_for_port(port, hall_process)
        proxy = HallProxy(upstream)
        stack.callback(proxy.close)
        yield World(disk.path, proxy, watchdog, disk, MovingMonotonic(), travel, embedded)


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"hall_server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)  # a child process starting: nothing to wait on but its port
    raise RuntimeError("hall_server did not listen within 60 s")


def soak_settings(world: World, journeys: dict[str, Script]):
    """The demo profile, reaching its hall through the proxy, its data on the soak's disk, offering the services
    the soak drives (and 好差评, where a ticket leads)."""
    from kiosk.config import PROFILE_DIR, load_settings

    demo = load_settings(PROFILE_DIR / "demo.toml")
    hall = demo.hall.model_copy(update={"mode": "remote", "base_url": world.proxy.url})
    services = tuple(service for service in demo.services if service in journeys or service == "review")
    return demo.model_copy(update={"data_dir": world.data_dir, "hall": hall, "services": services})


def build_app(world: World, journeys: dict[str, Script] | None = None):
    """The kiosk app, prepared and started as main.py starts it, without entering Kivy's loop (the soak
    steps it); online before the first citizen. The Kivy window must exist already."""
    from kiosk.config import Secrets
    from kiosk.fonts import find_fonts
    from kiosk.hall.connection import connect_hall
    from kiosk.i18n import Catalogue
    from kiosk.maintenance.memory import return_free_memory
    from kiosk.speech import Speaker
    from screens.kiosk_app import KioskApp

    os.environ.update(world.watchdog.environ())   # read by the app's SystemdNotifier when it is built
    app = KioskApp(soak_settings(world, journeys or JOURNEYS), Catalogue.load(), find_fonts(), windowed=True,
                   secrets=Secrets(kiosk_secret=KIOSK_SECRET, outbox_key=OUTBOX_KEY), hall_connector=connect_hall,
                   speaker=Speaker(enabled=False), monotonic=world.monotonic)
    app.session.on_wipe(lambda: app.worker.run(return_free_memory))   # as main.py wires it
    app._run_prepare()
    app.devices.start()
    app.runtime.devices_started()
    return app


def stop_app(app) -> None:
    from kivy.app import App
    from kivy.core.window import Window

    app.dispatch("on_stop")
    for child in list(Window.children):
        Window.remove_widget(child)
    App._running_app = None
    for name in ("NOTIFY_SOCKET", "WATCHDOG_USEC"):
        os.environ.pop(name, None)


# --- measuring ----------------------------------------------------------------------------------------------

def rss_mib() -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


# --- the soak ------------------------------------------------------------------------------------------------

Script = Callable[["Soak"], str]


class Soak:
    """Citizens, one after another, through one running app; faults come and go between them."""

    def __init__(self, app, world: World, options: SoakOptions, journeys: dict[str, Script] | None = None,
                 mix: dict[str, int] | None = None) -> None:
        self.app, self.world, self.options = app, world, options
        self.journeys = journeys or JOURNEYS
        self.mix = mix or {kind: weight for kind, weight in MIX.items() if kind in self.journeys}
        self.random = random.Random(options.seed)
        self.report = SoakReport(options)
        self.faults: dict[str, int] = {}        # active fault → journeys it has left
        self._ticks = 0
        self.citizen = None                      # the demo citizen whose card this journey used
        self.phone = ""

    # --- stepping the app --------------------------------------------------------------------------------

    def tick(self, draw: bool = False) -> None:
        from kivy.base import EventLoop
        from kivy.clock import Clock

        self._ticks += 1
        EventLoop.idle() if draw or self._ticks % self.options.draw_every == 0 else Clock.tick()
        self.world.watchdog.drain()

    def until(self, condition: Callable[[], bool], what: str, *, draw: bool = False) -> None:
        deadline = time.monotonic() + self.options.deadline_s
        while not condition():
            if time.monotonic() > deadline:
                raise Stuck(f"{what} (screen {self.app.current_screen}, step {self.step()})")
            self.tick(draw)

    def settle(self) -> None:
        """Let a screen change complete (its on_leave and on_enter come with the next frames), as it has by the
        time a citizen can touch the new screen."""
        manager = self.app.screen_manager
        self.tick(draw=True)
        self.until(lambda: not manager.transition.is_active, "the screen change completed", draw=True)

    def step(self) -> str:
        screen = self.app.screen_manager.current_screen if self.app.screen_manager else None
        return getattr(screen, "step", "")

    def screen(self, name: str):
        return self.app.screen_manager.get_screen(name)

    def at_rest(self) -> bool:
        return self.app.current_screen in RESTING and not self.app.session.active

    # --- what a citizen does ----------------------------------------------------------------------------

    def chance(self, share: float) -> bool:
        return self.random.random() < share

    def open(self, service: str):
        """Touch the attract screen, then the service's tile; None when the kiosk or the tile is out of service."""
        if self.app.unavailable:
            return None
        self.app.visit.start()
        self.settle()
        if self.chance(0.08):
            self.app.visit.toggle_language()
        if self.chance(0.08):
            self.app.visit.toggle_elder_mode()
        if self.app.service_modes.get(service) == "disabled":
            self.app.visit.end()   # the tile is off: the citizen goes to a window
            return None
        self.app.open_service(service)
        self.settle()
        screen = self.screen(service)
        self.until(lambda: screen.journey is not None, f"{service} journey started")
        return screen

    def wait_step(self, screen, *steps: str) -> str:
        self.until(lambda: screen.step in steps, f"{screen.name}: one of {', '.join(steps)}")
        return screen.step

    def place_card(self, key: str | None = None) -> float:
        """A demo citizen's card on the reader, at any moment of its poll; returns when it was placed."""
        from domain.demo_citizens import DEMO_CITIZENS, demo_citizen

        reader = self.app.devices.demo_reader
        self.citizen = demo_citizen(key) if key else self.random.choice(DEMO_CITIZENS)
        placed = time.perf_counter()
        reader.place_card(self.citizen)
        return placed

    def lift_card(self) -> None:
        reader = self.app.devices.demo_reader
        if reader is None or self.citizen is None:
            return
        reader.remove_card()
        poller = self.app.devices.poller
        if poller is not None and reader.plugged:
            self.until(lambda: not poller.card_present, "the reader saw the card taken")

    def leave(self) -> str:
        """The citizen finishes (the screen's own 完成/返回首页), or walks away and the countdown ends it."""
        if self.chance(self.options.walk_away):
            return self.walk_away()
        self.app.visit.end()
        return "done"

    def walk_away(self) -> str:
        visit = self.app.visit
        self.world.monotonic.advance(visit.idle_watch.idle_timeout_s + visit.idle_watch.countdown_s + 1)
        self.until(self.at_rest, "the countdown ended the visit")
        return "walked away"

    def reader_gone(self) -> bool:
        """The reader was unplugged under a citizen waiting for their card to be read."""
        return self.app.reader_state not in ("connected", "unknown")

    def wait_for_card(self, screen, *steps: str) -> str:
        """The screen's answer to the card placed; "reader gone" when the reader went away meanwhile (the
        citizen then waits, and walks away)."""
        self.until(lambda: screen.step in steps or self.reader_gone(), f"{screen.name}: one of {', '.join(steps)}")
        return screen.step if screen.step in steps else "reader gone"

    def rate(self) -> str:
        """好差评 on the review screen, from wherever it stands."""
        screen = self.screen("review")
        self.settle()
        self.until(lambda: screen.journey is not None, "the review journey started")
        step = self.wait_step(screen, "rate", "waiting_card", "nothing_to_rate", "not_served", "unavailable",
                              "card_problem", "choose_case")
        if step == "choose_case":
            screen.journey.choose_case(self.random.choice(screen.view.cases).case_number)
            step = screen.step
        if step != "rate":
            return step
        from domain.review_scale import LEVELS, REASONS

        screen.journey.rate(self.random.choice(LEVELS))
        if self.chance(0.5):
            for _ in range(4):
                if screen.step == "indicators":
                    screen.journey.rate_indicator(self.random.choice(LEVELS))
        if screen.step == "indicators":
            screen.journey.skip_indicators()
        if screen.step == "reasons":
            screen.journey.toggle_reason(self.random.choice(REASONS))
            screen.journey.confirm_reasons()
        if screen.step == "phone":
            self.give_phone_or_skip(screen.journey)
        return self.wait_step(screen, "thanks", "not_saved")

    def give_phone_or_skip(self, journey) -> None:
        if self.chance(0.5):
            self.phone = f"139{self.random.randrange(10 ** 8):08d}"
            journey.give_phone(self.phone)
        else:
            journey.skip_phone()

    # --- faults -----------------------------------------------------------------------------------------

    def maybe_fault(self) -> None:
        for name in list(self.faults):
            self.faults[name] -= 1
            if self.faults[name] <= 0:
                self.end_fault(name)
        if not self.chance(1 / self.options.fault_every):
            return
        choices = ["reader_unplugged", "bad_frame", "paper_out", "hall_down", "hall_slow", "hall_garbage",
                   "hall_503"]
        if self.world.disk.mounted:
            choices.append("disk_full")
        name = self.random.choice(choices)
        hall_busy = any(active.startswith("hall_") for active in self.faults)
        if name in self.faults or (name.startswith("hall_") and hall_busy):
            return
        self.start_fault(name)

    def start_fault(self, name: str) -> None:
        from drivers.idcard.simulator import Fault
        from drivers.printer import PrinterState

        devices = self.app.devices
        self.report.faults[name] = self.report.faults.get(name, 0) + 1
        if name == "bad_frame":
            devices.demo_reader.inject(self.random.choice((Fault.BAD_CHECKSUM, Fault.GARBAGE, Fault.TRUNCATED)))
            return
        self.faults[name] = self.random.randint(2, 12)
        if name == "reader_unplugged":
            devices.demo_reader.unplug()
        elif name == "paper_out":
            devices.demo_printer.set_state(PrinterState.PAPER_OUT)
        elif name == "hall_down":
            self.world.proxy.set("down")
        elif name == "hall_slow":
            self.world.proxy.set(f"slow {self.options.slow_s}")
        elif name == "hall_garbage":
            self.world.proxy.set("garbage")
        elif name == "hall_503":
            self.world.proxy.set("error")
        elif name == "disk_full":
            self.world.disk.fill(leave_bytes=self.random.choice((256 * 1024, 16 * 2 ** 20)))

    def end_fault(self, name: str) -> None:
        from drivers.printer import PrinterState

        del self.faults[name]
        devices = self.app.devices
        if name == "reader_unplugged":
            devices.demo_reader.replug()
        elif name == "paper_out":
            devices.demo_printer.set_state(PrinterState.READY)
        elif name.startswith("hall_"):
            self.world.proxy.set("pass")
        elif name == "disk_full":
            self.world.disk.release()

    def end_all_faults(self) -> None:
        for name in list(self.faults):
            self.end_fault(name)
        self.app.devices.demo_reader.clear_faults()

    # --- checks -----------------------------------------------------------------------------------------

    def check_at_rest(self, index: int, kind: str) -> None:
        try:
            self.until(self.at_rest, "back at rest")
            self.settle()
        except Stuck as stuck:
            self.report.stuck.append(f"journey {index} ({kind}): {stuck}")
            self.app.visit.end()                 # as the countdown would, so that the soak goes on
            with contextlib.suppress(Stuck):
                self.until(self.at_rest, "back at rest after a forced end")

    def check_nothing_personal(self, index: int, kind: str) -> None:
        from domain.privacy import mask_name, sensitive_values
        from kivy.uix.label import Label

        left = []
        if self.app.session.holds_personal_data():
            left.append("the session holds data")
        if sensitive_values.replacements():
            left.append("the log filter still knows names")
        secrets = [self.phone] if self.phone else []
        if self.citizen is not None:
            citizen = self.citizen
            secrets += [citizen.name, citizen.english_name, citizen.id_number,
                        mask_name(citizen.name) if citizen.name else ""]
        shown = [widget.text for screen in self.app.screen_manager.screens for widget in screen.walk(restrict=True)
                 if isinstance(widget, Label) and widget.text]
        left += [f"{secret[:1]}… on screen" for secret in secrets if secret and any(secret in t for t in shown)]
        if left:
            self.report.leaks.append(f"journey {index} ({kind}): {'; '.join(left)}")

    def sample(self, index: int, started: float) -> None:
        hall = self.app.hall
        pending = hall.outbox.stats().pending if hall is not None else -1
        self.report.samples.append(Sample(index, time.monotonic() - started, rss_mib(), open_fds(),
                                          threading.active_count(), pending))

    # --- the run ----------------------------------------------------------------------------------------

    def run(self, on_sample: Callable[[Sample], None] | None = None) -> SoakReport:
        started = time.monotonic()
        self.until(lambda: self.app.hall_state == "online", "hall online before the first citizen")
        if "gas" in self.app.settings.services:
            self.until(lambda: self.app.runtime.gas is not None, "the gas terminal started")
        kinds = list(self.mix)
        order = kinds + self.random.choices(kinds, weights=[self.mix[k] for k in kinds],
                                            k=max(0, self.options.journeys - len(kinds)))
        gap = DAY_LENGTH / max(1, self.options.journeys)
        self.sample(0, started)
        for index, kind in enumerate(order[:self.options.journeys], 1):
            self.maybe_fault()
            self.citizen, self.phone = None, ""
            began = time.perf_counter()
            try:
                outcome = self.journeys[kind](self)
            except Stuck as stuck:
                outcome = "stuck"
                self.report.stuck.append(f"journey {index} ({kind}): {stuck}")
                self.app.visit.end()
            self.lift_card_quietly()
            self.check_at_rest(index, kind)
            took_ms = (time.perf_counter() - began) * 1000
            self.report.journey_ms.append((index, took_ms))
            self.report.kind_ms.setdefault(kind, []).append(took_ms)
            self.check_nothing_personal(index, kind)
            self.report.kinds[kind] = self.report.kinds.get(kind, 0) + 1
            key = f"{kind}: {outcome}"
            self.report.outcomes[key] = self.report.outcomes.get(key, 0) + 1
            if self.world.travel is not None:
                self.world.travel.shift(gap)
            if index % self.options.sample_every == 0 or index == self.options.warm_up_journeys:
                self.sample(index, started)
                if on_sample:
                    on_sample(self.report.samples[-1])
        self.finish(started)
        return self.report

    def lift_card_quietly(self) -> None:
        try:
            self.lift_card()
        except Stuck as stuck:
            self.report.stuck.append(f"card never seen taken: {stuck}")

    def finish(self, started: float) -> None:
        """Faults end, the hall is let back, and the outbox must drain (within two minutes)."""
        self.end_all_faults()
        hall = self.app.hall
        if hall is not None:
            hall.sender.wake(reset_backoff=True)
            with contextlib.suppress(Stuck):
                deadline = self.options.deadline_s
                self.options.deadline_s = 120
                try:
                    self.until(lambda: hall.outbox.stats().pending == 0, "the outbox drained")
                finally:
                    self.options.deadline_s = deadline
            stats = hall.outbox.stats()
            self.report.outbox_pending_end, self.report.outbox_dead_end = stats.pending, stats.dead
        self.sample(self.options.journeys, started)
        self.report.watchdog_max_gap_s = self.world.watchdog.max_gap_s
        self.report.watchdog_pings = self.world.watchdog.pings
        self.report.elapsed_s = time.monotonic() - started


# --- the citizens' journeys ------------------------------------------------------------------------------------

def ticket(soak: Soak) -> str:
    screen = soak.open("ticket")
    if screen is None:
        return "tile off"
    if soak.chance(0.1) and soak.app.devices.demo_reader is not None and soak.app.devices.demo_reader.plugged:
        soak.place_card("elder")   # an elderly citizen's card: a priority ticket
    if soak.wait_step(screen, "choose", "unavailable") != "choose":
        return soak.leave() + " (hall away)"
    queues = [queue for queue in screen.view.queues if queue.open]
    if not queues:
        return soak.leave() + " (no queue open)"
    screen.journey.choose(soak.random.choice(queues).code)
    if soak.wait_step(screen, "done", "unavailable") != "done":
        return soak.leave() + " (not issued)"
    if not screen.view.printed and soak.chance(0.3):
        screen.journey.reprint()
        soak.wait_step(screen, "done")
    if soak.chance(soak.options.walk_away):
        return soak.leave()
    soak.app.visit.finish_journey(ticket_id=screen.view.ticket.ticket_id)
    if soak.app.current_screen != "review":
        return "done"
    rated = soak.rate()
    return soak.leave() + f" (review {rated})"


def one_card(soak: Soak) -> str:
    screen = soak.open("one_card")
    if screen is None:
        return "tile off"
    soak.wait_step(screen, "waiting_card")
    time.sleep(soak.random.uniform(0, 0.3))   # a card lands at any moment of the reader's 300 ms poll
    placed = soak.place_card()
    soak.until(lambda: screen.ids.greeting.text != "" or screen.step in ("card_problem", "unavailable")
               or soak.reader_gone(), "greeting or problem", draw=True)
    if screen.ids.greeting.text:
        from kivy.base import EventLoop

        EventLoop.idle()   # the frame that shows it
        soak.report.greeting_ms.append((len(soak.report.journey_ms) + 1, (time.perf_counter() - placed) * 1000))
    step = soak.wait_for_card(screen, "result", "card_problem", "unavailable")
    if step == "reader gone":
        return soak.walk_away() + " (reader gone)"
    return soak.leave() + ("" if step == "result" else f" ({step})")


def appointment(soak: Soak) -> str:
    screen = soak.open("appointment")
    if screen is None:
        return "tile off"
    soak.wait_step(screen, "waiting_card")
    soak.place_card(soak.random.choice(("resident", "elder", "rare-name")))
    step = soak.wait_for_card(screen, "appointments", "card_problem", "unavailable")
    if step == "reader gone":
        return soak.walk_away() + " (reader gone)"
    if step != "appointments":
        return soak.leave() + f" ({step})"
    if screen.view.appointments and soak.chance(0.3):
        screen.journey.check_in(screen.view.appointments[0].appointment_id)
        step = soak.wait_step(screen, "checked_in", "unavailable", "appointments")
        return soak.leave() + f" (check-in: {step})"
    screen.journey.start_booking()
    if soak.wait_step(screen, "choose_matter", "unavailable", "appointments") != "choose_matter":
        return soak.leave() + " (no matters)"
    screen.journey.choose_matter(soak.random.choice(screen.view.matters).code)
    if soak.wait_step(screen, "choose_day", "unavailable", "choose_matter") != "choose_day" or not screen.view.days:
        return soak.leave() + " (no days)"
    day = soak.random.choice(screen.view.days)
    screen.journey.choose_day(day.day)
    screen.journey.choose_time(soak.random.choice(day.slots).start)
    if soak.chance(0.2):
        screen.journey.back()
        return soak.leave() + " (changed their mind)"
    screen.journey.confirm()
    step = soak.wait_step(screen, "booked", "unavailable", "confirm", "choose_time", "choose_day")
    return soak.leave() + f" (booking: {step})"


def progress(soak: Soak) -> str:
    screen = soak.open("progress")
    if screen is None:
        return "tile off"
    soak.wait_step(screen, "choose")
    reader = soak.app.devices.demo_reader
    if soak.chance(0.5) or reader is None or not reader.plugged:
        screen.journey.enter_number()
        screen.journey.look_up_number(soak.random.choice(("YT2026MZ000079", "YT2026SC000123", "YT2026XX999999")))
        if screen.step == "enter_code":   # the receipt's query code; the soak has no receipt: a wrong one
            screen.journey.look_up_number(f"{soak.random.randrange(10 ** 6):06d}")
    else:
        soak.place_card()
    step = soak.wait_for_card(screen, "result", "not_found", "card_problem", "unavailable")
    return (soak.walk_away() if step == "reader gone" else soak.leave()) + f" ({step})"


def guide(soak: Soak) -> str:
    screen = soak.open("guide")
    if screen is None:
        return "tile off"
    if soak.wait_step(screen, "browse", "unavailable") != "browse":
        return soak.leave() + " (unavailable)"
    if soak.chance(0.3):
        screen.journey.open_search()
        typed = ""
        for letter in soak.random.choice(("shebao", "hukou", "jiashi", "gjj", "bdc")):
            typed += letter
            screen.journey.type_query(typed)
            soak.tick()
    else:
        screen.journey.open_category(soak.random.choice(screen.view.listing).code)
    if not screen.view.listing:
        return soak.leave() + " (nothing found)"
    screen.journey.open_matter(soak.random.choice(screen.view.listing).code)
    if soak.wait_step(screen, "matter", "matters", "search", "unavailable") != "matter":
        return soak.leave() + " (guide not read)"
    if soak.chance(0.3):
        screen.journey.print_materials()
        soak.until(lambda: screen.step == "matter" and (screen.view.printed or screen.view.problem),
                   "material list printed or not")
    return soak.leave()


def review(soak: Soak) -> str:
    screen = soak.open("review")
    if screen is None:
        return "tile off"
    soak.wait_step(screen, "waiting_card")
    soak.place_card()
    if soak.wait_for_card(screen, "choose_case", "nothing_to_rate", "unavailable", "card_problem") == "reader gone":
        return soak.walk_away() + " (reader gone)"
    rated = soak.rate()
    return soak.leave() + f" ({rated})"


def complaint(soak: Soak) -> str:
    from kiosk.journeys.complaint import KINDS, PHRASES

    screen = soak.open("complaint")
    if screen is None:
        return "tile off"
    soak.wait_step(screen, "kind")
    kind = soak.random.choice(KINDS)
    screen.journey.choose_kind(kind)
    if soak.wait_step(screen, "matter", "phrases") == "matter":
        if soak.chance(0.5):
            screen.journey.choose_matter(soak.random.choice(screen.view.matters).code)
        else:
            screen.journey.skip_matter()
    for phrase in soak.random.sample(PHRASES[kind], soak.random.randint(1, 3)):
        screen.journey.toggle_phrase(phrase)
    screen.journey.confirm_phrases()
    soak.give_phone_or_skip(screen.journey)
    step = soak.wait_step(screen, "done", "not_saved")
    return soak.leave() + f" ({step})"


def gas(soak: Soak) -> str:
    """燃气缴费 with a demo household's card: 50, 100 or 200 元, by the demo phone's payment code or the simulated
    bank card terminal; the card is taken out at the end (its meter then burns the gas)."""
    from domain.payment import PaymentMethod

    devices = soak.app.devices
    screen = soak.open("gas")
    if screen is None:
        return "tile off"
    if soak.wait_step(screen, "insert_card", "unavailable") != "insert_card":
        return soak.leave() + " (unavailable)"
    devices.insert_next_demo_gas_card()
    step = soak.wait_step(screen, "account", "refused", "stopped", "unavailable", "rewriting", "done",
                          "write_failed")
    if step == "account":
        screen.journey.buy()
        screen.journey.choose_amount(soak.random.choice((50, 100, 200)) * 100)
        soak.until(lambda: screen.view.quote is not None or screen.view.amount_problem or screen.step != "amount",
                   "a quote")
        screen.journey.next()
        method = PaymentMethod.BANKCARD if soak.chance(0.2) else PaymentMethod.WECHAT
        screen.journey.pay(method)
        if method is PaymentMethod.WECHAT:
            soak.until(lambda: screen.view.payment == "scan_code" or screen.step not in ("ordering", "pay"),
                       "the scan prompt")
            devices.scan_demo_payment_code()
        step = soak.wait_step(screen, "done", "not_paid", "stopped", "write_failed", "amount", "confirm")
    elif step == "rewriting":
        step = soak.wait_step(screen, "done", "stopped", "write_failed")
    if step == "write_failed" or soak.chance(soak.options.walk_away):
        return soak.leave() + f" ({step})"     # the journey's cancel hands the purchase back to the saga
    screen.journey.finish()
    devices.take_out_demo_gas_card()
    soak.until(soak.at_rest, "the card taken, the visit ended")
    return f"done ({step})"


# The journeys the soak drives, by service: one script each, pressing what the buttons press.
JOURNEYS: dict[str, Script] = {"ticket": ticket, "one_card": one_card, "appointment": appointment,
                               "progress": progress, "guide": guide, "review": review, "complaint": complaint,
                               "gas": gas}


# --- the report ------------------------------------------------------------------------------------------------

def table(report: SoakReport) -> str:
    lines = [f"soak: {sum(report.kinds.values())} journeys in {report.elapsed_s / 60:.1f} min, hall "
             f"{report.options.hall}, seed {report.options.seed}; load {report.load}"]
    lines.append("journeys by kind (median time):  " + ", ".join(
        f"{k} {n} ({statistics.median(report.kind_ms[k]) / 1000:.1f} s)" for k, n in sorted(report.kinds.items())))
    lines.append("outcomes:")
    lines += [f"  {n:6d}  {outcome}" for outcome, n in sorted(report.outcomes.items())]
    lines.append("faults injected:   " + (", ".join(f"{k} {n}" for k, n in sorted(report.faults.items())) or "none"))
    base, last = report.baseline, report.samples[-1] if report.samples else None
    if base and last:
        after = [s for s in report.samples if s.journey >= base.journey]
        lines.append(f"{'':22}{'baseline':>10}{'final':>10}{'max':>10}{'growth':>10}")
        for name, unit, pick in (("resident memory", "MiB", lambda s: s.rss_mib), ("open fds", "", lambda s: s.fds),
                                 ("threads", "", lambda s: s.threads)):
            lines.append(f"{name + (' (' + unit + ')' if unit else ''):22}{pick(base):>10.1f}{pick(last):>10.1f}"
                         f"{max(map(pick, after)):>10.1f}{pick(last) - pick(base):>+10.1f}")
        lines.append(f"  (baseline after {base.journey} journeys; goal: memory growth <= 10 MiB, fds and threads flat)")
    for name, values in (("journey (open → at rest)", [ms for _, ms in report.journey_ms]),
                         ("card placed → greeting", [ms for _, ms in report.greeting_ms])):
        if values:
            lines.append(f"{name}: median {statistics.median(values):.0f} ms, p95 {percentile(values, 0.95):.0f} ms,"
                         f" max {max(values):.0f} ms ({len(values)})")
    lines.append(f"stuck screens: {len(report.stuck)}; personal data left: {len(report.leaks)}; watchdog: "
                 f"{'FIRED' if report.watchdog_fired else 'never fired'} ({report.watchdog_pings} pings, longest gap "
                 f"{report.watchdog_max_gap_s:.1f} s of {report.options.watchdog_s:.0f} s)")
    lines.append(f"outbox at the end: {report.outbox_pending_end} pending, {report.outbox_dead_end} dead")
    failures = report.failures()
    shown = failures if len(failures) <= 20 else failures[:10] + ["…"] + failures[-10:]
    lines += [f"  ! {failure}" for failure in shown]
    return "\n".join(lines)


def plot(report: SoakReport, path: Path) -> None:
    """Memory over the run (top) and each journey's and each greeting's time (bottom), drawn with PIL."""
    from PIL import Image, ImageDraw

    width, height, margin = 1200, 800, 70
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    total = max(1, report.options.journeys)
    panels = ((margin, 40, height // 2 - 40), (margin, height // 2 + 20, height - 50))

    def frame(top: int, bottom: int, low: float, high: float, title: str, unit: str) -> Callable[[float, float],
                                                                                                  tuple]:
        draw.rectangle((margin, top, width - 20, bottom), outline="black")
        draw.text((margin, top - 16), title, fill="black")
        for fraction in (0, 0.5, 1):
            value = low + (high - low) * fraction
            y = bottom - (bottom - top) * fraction
            draw.text((5, y - 6), f"{value:.0f}{unit}", fill="black")
            draw.line((margin, y, width - 20, y), fill=(220, 220, 220))
        for fraction in (0, 0.25, 0.5, 0.75, 1):
            x = margin + (width - 20 - margin) * fraction
            draw.text((x - 10, bottom + 4), f"{int(total * fraction)}", fill="black")
        return lambda journey, value: (margin + (width - 20 - margin) * journey / total,
                                       bottom - (bottom - top) * (value - low) / max(1e-9, high - low))

    rss = [(s.journey, s.rss_mib) for s in report.samples]
    if rss:
        low, high = min(v for _, v in rss) - 5, max(v for _, v in rss) + 5
        at = frame(*panels[0][1:], low, high, "resident memory (MiB) by journey", "")
        draw.line([at(j, v) for j, v in rss], fill=(30, 90, 200), width=2)
    latencies = [ms for _, ms in report.journey_ms] + [ms for _, ms in report.greeting_ms]
    if latencies:
        high = percentile(latencies, 0.99) * 1.1
        at = frame(*panels[1][1:], 0, high, "journey time (grey) and card -> greeting (red), ms; top at p99", "")
        for series, colour in ((report.journey_ms, (150, 150, 150)), (report.greeting_ms, (220, 40, 40))):
            for journey, ms in series:
                x, y = at(journey, min(ms, high))
                draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
    draw.text((width - 260, height - 20), "journeys ->", fill="black")
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1000)
    parser.add_argument("--hall", choices=("embedded", "remote"), default="embedded")
    parser.add_argument("--seed", type=int, default=SoakOptions.seed)
    parser.add_argument("--fault-every", type=float, default=SoakOptions.fault_every)
    parser.add_argument("--sample-every", type=int, default=SoakOptions.sample_every)
    parser.add_argument("--warm-up", type=int, default=None)
    parser.add_argument("--no-disk-fault", action="store_true")
    parser.add_argument("--plot", type=Path, default=Path("soak.png"))
    parser.add_argument("--log", type=Path, default=Path("soak.log"), help="the kiosk's warnings and errors")
    args = parser.parse_args()
    from kiosk.maintenance.memory import limit_malloc_arenas

    limit_malloc_arenas()   # as main.py does, before any thread
    faulthandler.register(signal.SIGUSR1)   # kill -USR1 <pid>: where a long soak is, without stopping it
    options = SoakOptions(journeys=args.journeys, seed=args.seed, hall=args.hall, fault_every=args.fault_every,
                          sample_every=args.sample_every, warm_up=args.warm_up, disk_fault=not args.no_disk_fault)

    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ["KIVY_NO_ARGS"] = "1"
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    os.environ["KIVY_NO_FILELOG"] = "1"
    os.environ["KIVY_HOME"] = tempfile.mkdtemp(prefix="kivy-soak-")
    from screens.window_setup import WINDOW_SIZES, configure_kivy, register_fonts

    configure_kivy(windowed=True, orientation="portrait")
    from kivy.base import EventLoop
    from kivy.config import Config

    width, height = WINDOW_SIZES["portrait"]   # the kiosk's own screen, at full size
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "min_state_time", "0")
    from kiosk.fonts import find_fonts

    register_fonts(find_fonts().ui_font)
    EventLoop.ensure_window()

    # The kiosk's own warnings (hall offline, retries) are the faults doing their work: kept out of the table.
    logging.basicConfig(filename=args.log, level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    with tempfile.TemporaryDirectory(prefix="soak-") as directory, open_world(Path(directory), options) as world:
        app = build_app(world)
        soak = Soak(app, world, options)
        try:
            report = soak.run(on_sample=lambda s: print(
                f"  {s.journey:6d} journeys  {s.elapsed_s / 60:6.1f} min  RSS {s.rss_mib:6.1f} MiB  fds {s.fds:4d}  "
                f"threads {s.threads:3d}  outbox {s.outbox_pending:4d}  load {os.getloadavg()[0]:.2f}", flush=True))
        finally:
            stop_app(app)
    report.load = "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(table(report))
    plot(report, args.plot)
    print(f"plot: {args.plot}; the kiosk's log: {args.log}")
    sys.exit(1 if report.failures() else 0)


if __name__ == "__main__":
    main()
