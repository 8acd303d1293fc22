"""Self-diagnosis: one line per component — what it is, its state, a plain verdict, and what to do.

The maintenance page and the headless ``python main.py --diagnose`` print the same lines. Each probe is
a small function over an object that already exists (the app's printer, the outbox, the hall client), so
the page shows the running kiosk as it is; `diagnose_headless` opens the devices itself for a technician
on SSH. Every probe is bounded (the drivers' and the hall client's own timeouts). No Kivy here; nothing
personal is ever part of a line (the reader line names the SAM module, never a card).

    lines = collect(settings, printer=hub.printer, reader_state="connected", client=hall.client,
                    outbox=hall.outbox, uptime_s=3600)
    print(report_text(lines)); worst(lines) is Verdict.FAULT   # → exit code 1
"""

from __future__ import annotations

import enum
import configparser
import platform
import shutil
import socket
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

from drivers.idcard import open_reader
from drivers.idcard.errors import IdCardError, SamFault
from drivers.printer import PrinterConfigError, open_printer
from kiosk.config import Secrets, Settings
from kiosk.devices.text_input.service import METHODS, MethodStatus, probe_methods
from kiosk.hall.client import HallClient
from kiosk.hall.errors import HallError
from kiosk.outbox.store import Outbox, OutboxBusy, OutboxError, derive_key

__all__ = ["Verdict", "DiagnosticLine", "collect", "worst", "report_text", "diagnose_headless",
           "printer_line", "reader_line", "hall_line", "network_line", "disk_line", "outbox_lines",
           "software_lines", "text_input_line", "app_version", "probe_reader", "DISK_FAULT_BYTES",
           "DISK_WARNING_BYTES"]

DISK_FAULT_BYTES = 200 * 1024 * 1024
DISK_WARNING_BYTES = 1024 * 1024 * 1024
OUTBOX_OLD_S = 3600
SLOW_HALL_MS = 2000


class Verdict(enum.IntEnum):
    OK = 0
    INFO = 1
    WARNING = 2
    FAULT = 3

    @property
    def word(self) -> str:
        return {0: "OK", 1: "INFO", 2: "WARNING", 3: "FAULT"}[self.value]


@dataclass(frozen=True)
class DiagnosticLine:
    component: str
    state: str
    verdict: Verdict
    detail: str
    action: str = ""

    def text(self) -> str:
        action = f" → {self.action}" if self.action else ""
        return f"[{self.verdict.word:<7}] {self.component:<10} {self.state:<16} {self.detail}{action}"


def worst(lines: list[DiagnosticLine]) -> Verdict:
    return max((line.verdict for line in lines), default=Verdict.OK)


def report_text(lines: list[DiagnosticLine]) -> str:
    summary = {Verdict.FAULT: "something is wrong: see the FAULT lines",
               Verdict.WARNING: "working, with warnings"}.get(worst(lines), "all well")
    return "\n".join([line.text() for line in lines] + [f"verdict: {summary}"])


# --- probes --------------------------------------------------------------------------------------------

def printer_line(settings: Settings, printer: Any) -> DiagnosticLine:
    """Asks the printer for its status (bounded by its status timeout)."""
    if not settings.devices.printer.enabled:
        return DiagnosticLine("printer", "absent", Verdict.INFO, "no printer in this profile")
    if printer is None:
        return DiagnosticLine("printer", "not_started", Verdict.FAULT, f"{settings.devices.printer.url} was not opened",
                              "check the printer URL in the profile, then restart the app")
    status = printer.status()
    state = status.state.value
    if state == "ready":
        return DiagnosticLine("printer", state, Verdict.OK, f"{settings.devices.printer.url}: {status.message}")
    if state == "paper_near_end":
        return DiagnosticLine("printer", state, Verdict.WARNING, "paper roll nearly used up", "replace the roll soon")
    return DiagnosticLine("printer", state, Verdict.FAULT, f"{settings.devices.printer.url}: cannot print",
                          status.message)


_READER_ADVICE = {
    "no_reader": "check the reader's USB/serial cable and power; the port is {port}",
    "sam_fault": "the SAM security module failed its self-test: power-cycle the reader; if it stays, "
                 "call the reader's supplier (the SAM needs re-authorisation)",
}


def reader_line(settings: Settings, state: str | None, detail: str = "") -> DiagnosticLine:
    """The poller's last state (connected / no_reader / sam_fault), or None when it has not reported yet."""
    reader = settings.devices.idcard
    if not reader.enabled:
        return DiagnosticLine("reader", "absent", Verdict.INFO, "no ID card reader in this profile")
    if state is None:
        return DiagnosticLine("reader", "unknown", Verdict.WARNING, f"{reader.port}: no answer yet",
                              "wait a few seconds and look again; if it stays, check the cable")
    if state == "connected":
        return DiagnosticLine("reader", state, Verdict.OK, f"{reader.port}: {detail or 'reader and SAM module answer'}")
    advice = _READER_ADVICE.get(state, "power-cycle the reader").format(port=reader.port)
    return DiagnosticLine("reader", state, Verdict.FAULT, detail or f"{reader.port}: not usable", advice)


def probe_reader(reader: Any) -> tuple[str, str]:
    """Open the reader and ask its SAM module (headless diagnosis). Returns (state, detail); closes it again."""
    try:
        reader.open()
        reader.check_sam()
        return "connected", f"SAM module {reader.sam_id()} answers"
    except SamFault as error:
        return "sam_fault", str(error)
    except IdCardError as error:
        return "no_reader", str(error)
    finally:
        reader.close()


def hall_line(settings: Settings, client: Any, *, timer: Callable[[], float] = time.perf_counter) -> DiagnosticLine:
    """One round trip to the hall (GET /v1/hall), with its time."""
    if client is None:
        if settings.hall.mode == "embedded":
            return DiagnosticLine("hall", "embedded", Verdict.INFO, "the embedded demo hall starts with the app")
        return DiagnosticLine("hall", "not_connected", Verdict.WARNING, "the hall connection is still starting",
                              "look again in a few seconds")
    started = timer()
    try:
        client.hall_info()
    except HallError as error:
        return DiagnosticLine("hall", "unreachable", Verdict.FAULT, str(error),
                              "check the network line above, then the hall system's status with the hall's IT")
    elapsed_ms = (timer() - started) * 1000
    if elapsed_ms > SLOW_HALL_MS:
        return DiagnosticLine("hall", "slow", Verdict.WARNING, f"{client.base_url} answered in {elapsed_ms:.0f} ms",
                              "the network or the hall is slow: citizens will wait; tell the hall's IT")
    return DiagnosticLine("hall", "reachable", Verdict.OK, f"{client.base_url} answered in {elapsed_ms:.0f} ms")


def network_line(settings: Settings) -> DiagnosticLine:
    """Name resolution and a route to the hall's host (no packet is sent: a UDP socket only picks a route)."""
    if settings.hall.mode == "embedded":
        return DiagnosticLine("network", "not_needed", Verdict.INFO, "embedded hall: no network needed")
    parts = urlsplit(settings.hall.base_url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4]
    except OSError as error:
        return DiagnosticLine("network", "no_dns", Verdict.FAULT, f"cannot resolve {host}: {error}",
                              "check the network cable / Wi-Fi and the DNS server")
    try:
        with socket.socket(socket.AF_INET6 if ":" in address[0] else socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(address[:2])
            local = probe.getsockname()[0]
    except OSError as error:
        return DiagnosticLine("network", "no_route", Verdict.FAULT, f"no route to {host} ({address[0]}): {error}",
                              "check the network cable / Wi-Fi and the gateway")
    return DiagnosticLine("network", "up", Verdict.OK, f"{host} is {address[0]}, reached from {local}")


def disk_line(data_dir: Path, *, usage: Callable[[Any], Any] = shutil.disk_usage) -> DiagnosticLine:
    folder = data_dir if data_dir.exists() else data_dir.parent
    try:
        free = usage(folder).free
    except OSError as error:
        return DiagnosticLine("disk", "unreadable", Verdict.FAULT, f"{data_dir}: {error.strerror}",
                              "check that the data folder exists and belongs to the kiosk user")
    megabytes = free / (1024 * 1024)
    if free < DISK_FAULT_BYTES:
        return DiagnosticLine("disk", "full", Verdict.FAULT, f"{megabytes:.0f} MB free under {data_dir}",
                              "export and delete old logs (maintenance page), or free space on the disk")
    if free < DISK_WARNING_BYTES:
        return DiagnosticLine("disk", "low", Verdict.WARNING, f"{megabytes:.0f} MB free under {data_dir}",
                              "export old logs soon")
    return DiagnosticLine("disk", "ok", Verdict.OK, f"{megabytes / 1024:.1f} GB free under {data_dir}")


def outbox_lines(outbox: Any, *, in_use: bool = False) -> list[DiagnosticLine]:
    """Depth and oldest item, and the items the hall refused for good."""
    if in_use:
        return [DiagnosticLine("outbox", "in_use", Verdict.INFO, "held by the running kiosk app",
                               "its maintenance screen and its heartbeat at the hall show the outbox")]
    if outbox is None:
        return [DiagnosticLine("outbox", "not_open", Verdict.INFO, "opens with the hall connection")]
    stats = outbox.stats()
    if stats.problem:
        depth = DiagnosticLine("outbox", "refusing", Verdict.FAULT, f"refuses new work: {stats.problem}",
                               "free disk space, or deliver the backlog by restoring the hall connection")
    elif stats.oldest_pending_age is not None and stats.oldest_pending_age > OUTBOX_OLD_S:
        depth = DiagnosticLine("outbox", "backlog", Verdict.WARNING,
                               f"{stats.pending} waiting, the oldest for {stats.oldest_pending_age / 3600:.1f} h",
                               "the hall has not taken delivery: check the hall line")
    else:
        oldest = "" if stats.oldest_pending_age is None else f", the oldest for {stats.oldest_pending_age:.0f} s"
        depth = DiagnosticLine("outbox", "ok", Verdict.OK, f"{stats.pending} waiting{oldest}")
    if stats.dead:
        dead = DiagnosticLine("dead", "items", Verdict.WARNING, f"{stats.dead} item(s) the hall refused",
                              "open the outbox view: retry each, or discard it with a reason")
    else:
        dead = DiagnosticLine("dead", "none", Verdict.OK, "no item refused by the hall")
    return [depth, dead]


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def app_version() -> str:
    """The kiosk's version (setup.cfg), for the page, the heartbeat and the bundle; a source checkout
    that was never installed reads it from setup.cfg itself."""
    installed = _version("gov-service-kiosk")
    if installed != "?":
        return installed
    parser = configparser.ConfigParser()
    parser.read(Path(__file__).resolve().parent.parent / "setup.cfg", encoding="utf-8")
    return parser.get("metadata", "version", fallback="unknown")


def text_input_line(probe: Callable[[], Mapping[str, MethodStatus]] = probe_methods) -> DiagnosticLine:
    """Which ways of writing Chinese on the touchscreen work (kiosk.devices.text_input). A missing one is a
    warning, not a fault: citizens still have the phrase chips and the letter keyboard."""
    statuses = probe()
    working = [method for method in METHODS if statuses[method].state == "ready"]
    if len(working) == len(METHODS):
        return DiagnosticLine("text_input", "both", Verdict.OK, "handwriting (zinnia) and pinyin (librime) work")
    missing = [method for method in METHODS if method not in working]
    detail = "; ".join(statuses[method].detail for method in missing)
    packages = {"handwriting": "libzinnia0 tegaki-zinnia-simplified-chinese",
                "pinyin": "librime1 librime-data rime-data-luna-pinyin"}
    action = "install " + " ".join(packages[method] for method in missing)
    if working:
        return DiagnosticLine("text_input", f"{working[0]}_only", Verdict.WARNING, detail, action)
    return DiagnosticLine("text_input", "none", Verdict.WARNING,
                          f"no Chinese writing, only chips and letters: {detail}", action)


def software_lines(settings: Settings, uptime_s: float | None) -> list[DiagnosticLine]:
    versions = (f"kiosk {app_version()}, Python {platform.python_version()}, Kivy {_version('kivy')}, "
                f"python-escpos {_version('python-escpos')}")
    lines = [DiagnosticLine("software", "versions", Verdict.INFO, versions)]
    if uptime_s is not None:
        hours, rest = divmod(int(uptime_s), 3600)
        lines.append(DiagnosticLine("uptime", "running", Verdict.INFO, f"{hours} h {rest // 60} min"))
    lines.append(DiagnosticLine("profile", settings.profile, Verdict.INFO,
                                f"{settings.source} (kiosk {settings.hall.kiosk_id}, data in {settings.data_dir})"))
    return lines


# --- all of it ---------------------------------------------------------------------------------------

def collect(settings: Settings, *, printer: Any, reader_state: str | None, reader_detail: str = "",
            client: Any, outbox: Any, uptime_s: float | None, outbox_in_use: bool = False,
            input_methods: Callable[[], Mapping[str, MethodStatus]] = probe_methods) -> list[DiagnosticLine]:
    """Every line, for the objects of a running kiosk. Blocking (status query, one hall round trip, the input
    methods' libraries opened briefly)."""
    return [
        reader_line(settings, reader_state, reader_detail),
        printer_line(settings, printer),
        network_line(settings),
        hall_line(settings, client),
        disk_line(settings.data_dir),
        *outbox_lines(outbox, in_use=outbox_in_use),
        text_input_line(input_methods),
        *software_lines(settings, uptime_s),
    ]


def diagnose_headless(settings: Settings, secrets: Secrets) -> list[DiagnosticLine]:
    """For `main.py --diagnose`: open each device and the hall client briefly, as the app would, then close.
    A kiosk that is running holds the serial ports: stop its service first for true device lines."""
    printer = reader = client = outbox = None
    reader_state, reader_detail = None, ""
    outbox_in_use = False
    try:
        if settings.devices.printer.enabled:
            try:
                printer = open_printer(settings.devices.printer.url, paper_width_mm=settings.devices.printer.paper_width,
                                       profile=settings.devices.printer.profile)
            except PrinterConfigError:
                printer = None
        if settings.devices.idcard.enabled:
            card = settings.devices.idcard
            try:
                reader = open_reader(card.port, baud=card.baud, backend=card.backend,
                                     library_path=card.library_path or None)
                reader_state, reader_detail = probe_reader(reader)
            except (ValueError, OSError) as error:
                reader_state, reader_detail = "no_reader", str(error)
        if settings.hall.mode == "remote":
            hall = settings.hall
            client = HallClient(hall.base_url, hall.kiosk_id, secrets.kiosk_secret, connect_timeout=hall.connect_timeout_s,
                                read_timeout=hall.read_timeout_s, retries=0, ca_bundle=hall.ca_bundle or None,
                                client_cert=hall.client_cert or None)
        outbox_file = settings.data_dir / "outbox.sqlite3"
        if outbox_file.exists() and secrets.outbox_key:
            try:
                outbox = Outbox(outbox_file, derive_key(secrets.outbox_key), busy_timeout=0.5)
            except OutboxBusy:
                outbox_in_use = True
            except OutboxError:
                outbox = None
        return collect(settings, printer=printer, reader_state=reader_state, reader_detail=reader_detail,
                       client=client, outbox=outbox, uptime_s=None, outbox_in_use=outbox_in_use)
    finally:
        for thing in (printer, client, outbox):
            if thing is not None:
                thing.close()
        if reader is not None:
            reader.shutdown()
