"""Site configuration: TOML profile files loaded once, at start-up, into frozen typed settings.

Nothing downstream touches raw dictionaries. A broken file stops the kiosk with one line a technician
can act on — the file, the key path, what was expected and what was found — for example:

    config/bank.toml: devices.printer.paper_width: expected 58 or 80, got 76

Unknown keys are errors, so a typo can never fall back silently to a default. Secrets (the kiosk's
hall key, the gas terminal's utility key, the maintenance PIN hash, the outbox key) live in a separate
file that the profile names; a secrets file readable by other users is reported as a warning.

    settings = load_settings(Path("config/demo.toml"))
    settings.ui.idle_timeout_s
"""

from __future__ import annotations

import os
import secrets as random_secrets
import stat
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.clock import DEFAULT_TIMEZONE, zone_named
from domain.fleet_topics import check_level

__all__ = [
    "ConfigError",
    "settings_from_text",
    "Settings",
    "Secrets",
    "SERVICES",
    "PROFILE_DIR",
    "DEFAULT_PROFILE",
    "load_settings",
    "load_secrets",
    "resolve_config_path",
    "edit_setting",
    "setting_value",
    "ON_SITE_EDITABLE",
]

PROFILE_DIR = Path(__file__).resolve().parent.parent / "config"
DEFAULT_PROFILE = PROFILE_DIR / "demo.toml"

# Every service a kiosk can offer, in the order the home screen shows them.
ServiceName = Literal["ticket", "appointment", "one_card", "progress", "guide", "review", "complaint", "gas"]
SERVICES: tuple[str, ...] = get_args(ServiceName)


class ConfigError(Exception):
    """A configuration file that cannot be used; the text names the file, the key and the problem."""


class _Section(BaseModel):
    # strict: TOML already has types, so "30" for a number is a mistake to report, not to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Notice(_Section):
    """A rotating line on the attract screen, in both languages."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class SiteSettings(_Section):
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    notices: Annotated[tuple[Notice, ...], Field(strict=False)] = ()
    # Said on the out-of-service screen: where a citizen can still get help (12345 is the national hotline).
    hotline: str = Field("12345", min_length=3, max_length=20, pattern=r"^[0-9 -]+$")
    # The site's wall clock (domain.clock): never the machine's zone, which kiosk images often leave at UTC.
    timezone: str = DEFAULT_TIMEZONE

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        zone_named(name)
        return name


class UiSettings(_Section):
    default_language: Literal["zh", "en"] = "zh"
    elder_mode_default: bool = False
    orientation: Literal["portrait", "landscape"] = "portrait"
    idle_timeout_s: int = Field(60, ge=10, le=600)
    elder_idle_timeout_s: int = Field(120, ge=10, le=1200)
    countdown_s: int = Field(10, ge=3, le=60)
    notice_rotation_s: int = Field(5, ge=2, le=60)
    # 取号 with the ID card: citizens at least this old get an elderly-priority ticket; 0 turns it off.
    elderly_priority_age: int = Field(0, ge=0, le=100)
    # The kiosk's body, for the picture of where the card goes and the slip comes out (kiosk.journeys.guidance).
    machine_model: Literal["upright", "desktop", "wall"] = "upright"

    @model_validator(mode="after")
    def _elder_waits_longer(self) -> "UiSettings":
        if self.elder_idle_timeout_s < self.idle_timeout_s:
            raise ValueError(
                f"elder_idle_timeout_s ({self.elder_idle_timeout_s}) must be at least "
                f"idle_timeout_s ({self.idle_timeout_s}): elder mode never hurries anyone"
            )
        return self


class SpeechSettings(_Section):
    enabled: bool = True
    rate_wpm: int = Field(150, ge=80, le=300)
    volume: int = Field(100, ge=0, le=200)


class HallSettings(_Section):
    mode: Literal["embedded", "remote"] = "embedded"
    base_url: str = ""
    kiosk_id: str = Field("demo-kiosk-01", min_length=1, max_length=64)
    connect_timeout_s: float = Field(3.0, gt=0, le=30)
    read_timeout_s: float = Field(8.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=5)
    ca_bundle: str = ""
    client_cert: str = ""

    @model_validator(mode="after")
    def _remote_needs_url(self) -> "HallSettings":
        if self.mode == "remote" and not self.base_url.startswith(("http://", "https://")):
            raise ValueError("mode = \"remote\" needs base_url starting with http:// or https://")
        return self


class GasUtilitySettings(_Section):
    """The gas company's terminal API (gas_server/openapi.yaml): its own URL and terminal id; the terminal's
    key is `gas_utility_secret` in the secrets file. Used by the gas top-up only."""

    mode: Literal["embedded", "remote"] = "embedded"
    base_url: str = ""
    terminal_id: str = Field("demo-gas-terminal-01", min_length=1, max_length=64)
    connect_timeout_s: float = Field(3.0, gt=0, le=30)
    read_timeout_s: float = Field(8.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=5)
    ca_bundle: str = ""

    @model_validator(mode="after")
    def _remote_needs_url(self) -> "GasUtilitySettings":
        if self.mode == "remote" and not self.base_url.startswith(("http://", "https://")):
            raise ValueError("mode = \"remote\" needs base_url starting with http:// or https://")
        return self


class IdCardReaderSettings(_Section):
    enabled: bool = True
    backend: Literal["serial", "sdtapi", "termb"] = "serial"
    port: str = "sim://none"
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    poll_interval_ms: int = Field(300, ge=300, le=5000)  # the SAM module needs at least 300 ms between polls
    library_path: str = ""


class PrinterSettings(_Section):
    enabled: bool = True
    url: str = "sim://80mm"
    paper_width: Literal[58, 80] = 80
    profile: str = "default"
    header_lines: Annotated[tuple[str, ...], Field(strict=False)] = ()
    footer_lines: Annotated[tuple[str, ...], Field(strict=False)] = ()


# The gas-card driver's layouts (drivers/gascard/layouts.py; a test keeps the two lists equal).
GAS_CARD_LAYOUTS = ("sle4442-dual", "at24c02-slots")


class GasCardSettings(_Section):
    """The gas terminal's IC card reader (drivers/gascard): which backend, which reader, which layout."""

    enabled: bool = False
    backend: Literal["pcsc", "vendor", "simulator"] = "simulator"
    reader: str = ""            # PC/SC reader name or shell pattern ("ACS ACR39U*"); empty: the first reader
    layout: str = "auto"        # auto: by the card's ATR and signature; or one layout for every card
    library_path: str = ""      # the meter maker's library, for backend = "vendor"
    timeout_s: float = Field(5.0, gt=0, le=60)   # per vendor-library call; a hung library is killed after it

    @field_validator("layout")
    @classmethod
    def _known_layout(cls, layout: str) -> str:
        if layout != "auto" and layout not in GAS_CARD_LAYOUTS:
            raise ValueError(f"expected \"auto\" or one of {', '.join(GAS_CARD_LAYOUTS)}, got {layout!r}")
        return layout

    @model_validator(mode="after")
    def _vendor_needs_library(self) -> "GasCardSettings":
        if self.backend == "vendor" and not self.library_path:
            raise ValueError("backend = \"vendor\" needs library_path (the meter maker's .so or .dll)")
        return self


class DeviceSettings(_Section):
    idcard: IdCardReaderSettings = IdCardReaderSettings()
    printer: PrinterSettings = PrinterSettings()
    gascard: GasCardSettings = GasCardSettings()


class WeChatPaySettings(_Section):
    """WeChat Pay by payment code (kiosk/gas/payments/wechat.py): the merchant's ids and keys, and the API's address.
    Embedded: the reference gateway in this process, with fresh demo keys (the keys below are ignored)."""

    gateway: Literal["embedded", "remote"] = "embedded"
    base_url: str = "https://api.mch.weixin.qq.com"
    mchid: str = ""
    appid: str = ""
    merchant_serial_no: str = ""             # the merchant API certificate's serial number
    merchant_key_file: str = ""              # its private key (apiclient_key.pem), chmod 600
    platform_public_key_id: str = ""         # PUB_KEY_ID_…: WeChat Pay's platform public key
    platform_public_key_file: str = ""       # pub_key.pem
    connect_timeout_s: float = Field(3.0, gt=0, le=30)
    read_timeout_s: float = Field(10.0, gt=0, le=60)
    scan_timeout_s: int = Field(60, ge=10, le=300)

    @model_validator(mode="after")
    def _remote_needs_the_merchant(self) -> "WeChatPaySettings":
        if self.gateway == "remote":
            needed = ("mchid", "appid", "merchant_serial_no", "merchant_key_file", "platform_public_key_id",
                      "platform_public_key_file")
            missing = [name for name in needed if not getattr(self, name)]
            if missing:
                raise ValueError(f"gateway = \"remote\" needs {', '.join(missing)}")
            if not self.base_url.startswith(("https://", "http://")):
                raise ValueError("gateway = \"remote\" needs base_url starting with https://")
        return self


class BankCardSettings(_Section):
    """The UnionPay terminal module (drivers/bankcard): its vendor library, or the simulator."""

    backend: Literal["vendor", "simulator"] = "simulator"
    library_path: str = ""                   # the module's self-service library, for backend = "vendor"
    device: str = ""                         # the module's device as the library names it (/dev/ttyS1)
    timeout_s: float = Field(10.0, gt=0, le=60)            # per library call; a hung library is killed after it
    transaction_timeout_s: float = Field(90.0, gt=0, le=300)   # one transaction, the bank's answer included
    card_wait_s: int = Field(60, ge=10, le=300)            # for the citizen to insert the card
    pin_wait_s: int = Field(60, ge=10, le=300)             # for the PIN on the module's pad

    @model_validator(mode="after")
    def _vendor_needs_library(self) -> "BankCardSettings":
        if self.backend == "vendor" and not self.library_path:
            raise ValueError("backend = \"vendor\" needs library_path (the terminal module's .so or .dll)")
        return self


class ScannerSettings(_Section):
    """The payment-code scanner (drivers/scanner): a keyboard-wedge scanner read through evdev, or serial."""

    backend: Literal["evdev", "serial", "simulator"] = "simulator"
    device: str = ""          # evdev: /dev/input/by-id/… or the scanner's name pattern; serial: port or URL
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 9600

    @model_validator(mode="after")
    def _device_named(self) -> "ScannerSettings":
        if self.backend != "simulator" and not self.device:
            raise ValueError(f"backend = \"{self.backend}\" needs device (the scanner's input device or port)")
        return self


PaymentMethodName = Literal["wechat", "bankcard"]


class PaymentSettings(_Section):
    """How citizens pay at a gas terminal (kiosk/gas/payments): which methods, in the order offered."""

    methods: Annotated[tuple[PaymentMethodName, ...], Field(strict=False, min_length=1)] = ("wechat", "bankcard")
    wechat: WeChatPaySettings = WeChatPaySettings()
    bankcard: BankCardSettings = BankCardSettings()
    scanner: ScannerSettings = ScannerSettings()

    @model_validator(mode="after")
    def _methods_once_each(self) -> "PaymentSettings":
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("methods lists a method twice")
        return self


class LoggingSettings(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    max_bytes: int = Field(5_000_000, ge=10_000)
    backup_count: int = Field(5, ge=1, le=100)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(clock: str) -> int:
    hours, _, minutes = clock.partition(":")
    if not (len(hours) == 2 and len(minutes) == 2 and hours.isdigit() and minutes.isdigit()):
        raise ValueError
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > 24 * 60:
        raise ValueError
    return value


def parse_period(text: str) -> tuple[int, int]:
    """"08:30-12:00" → (510, 720) minutes after midnight; ValueError with the expected form."""
    start, dash, end = text.partition("-")
    try:
        if not dash:
            raise ValueError
        first, last = _minutes(start.strip()), _minutes(end.strip())
    except ValueError:
        raise ValueError(f"expected a period like \"08:30-17:30\", got {text!r}") from None
    if last <= first:
        raise ValueError(f"period {text!r} ends before it starts")
    return first, last


class OpeningHoursSettings(_Section):
    """When citizens are served, per weekday; a day with no periods is closed. Default: always open."""

    mon: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    tue: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    wed: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    thu: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    fri: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    sat: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)
    sun: Annotated[tuple[str, ...], Field(strict=False)] = ("00:00-24:00",)

    @model_validator(mode="after")
    def _periods_read(self) -> "OpeningHoursSettings":
        for day in WEEKDAYS:
            for period in getattr(self, day):
                try:
                    parse_period(period)
                except ValueError as error:
                    raise ValueError(f"{day}: {error}") from None
        return self


# Every setting a technician may ever change on site (the profile narrows it with maintenance.editable).
# Secrets, URLs, ports and paths are not here: changing them on a touchscreen could cut the kiosk off.
ON_SITE_EDITABLE: tuple[str, ...] = (
    "ui.idle_timeout_s",
    "ui.elder_idle_timeout_s",
    "ui.countdown_s",
    "ui.default_language",
    "speech.enabled",
    "speech.volume",
    "devices.printer.header_lines",
    "devices.printer.footer_lines",
    "services",
    "health.without_printer",
)


class MaintenanceSettings(_Section):
    timeout_s: int = Field(180, ge=30, le=1800)          # maintenance mode's own inactivity timeout
    gesture_taps: int = Field(5, ge=3, le=10)            # taps in the top-left corner ...
    gesture_window_s: float = Field(3.0, ge=1, le=10)    # ... within this many seconds open the PIN pad
    editable: Annotated[tuple[str, ...], Field(strict=False)] = ON_SITE_EDITABLE

    @model_validator(mode="after")
    def _only_known_settings(self) -> "MaintenanceSettings":
        for key in self.editable:
            if key not in ON_SITE_EDITABLE:
                raise ValueError(f"editable: {key!r} may not be edited on site; expected some of "
                                 f"{', '.join(ON_SITE_EDITABLE)}")
        return self


class HealthSettings(_Section):
    heartbeat_interval_s: int = Field(60, ge=15, le=3600)
    backend_alert_after_min: int = Field(5, ge=1, le=240)  # "backend unreachable" event after this long
    # Without a working printer: stop offering journeys that must print, or serve them with the number on screen.
    without_printer: Literal["disable", "number_on_screen"] = "disable"


class TelemetrySettings(_Section):
    """Fleet telemetry over MQTT (kiosk.devices.telemetry; topics in domain.fleet_topics). Off unless enabled: the
    hall-API heartbeat goes on either way, for sites without a broker. The broker password is `telemetry_password` in the
    secrets file; the user name is the kiosk's hall id unless `username` says otherwise."""

    enabled: bool = False
    broker_url: str = ""                    # mqtts://broker.example:8883 (TLS) or mqtt://127.0.0.1:1883
    site: str = Field("demo-site", min_length=1, max_length=64)
    username: str = ""
    ca_bundle: str = ""                     # the broker's CA (mqtts); empty: the system's trust store
    client_cert: str = ""                   # this kiosk's certificate and key, where the broker asks for one
    client_key: str = ""
    state_interval_s: int = Field(60, ge=1, le=3600)    # the retained state again at least this often
    keepalive_s: int = Field(30, ge=5, le=600)          # the broker notices a dead kiosk within 1.5× this

    @model_validator(mode="after")
    def _where_and_what(self) -> "TelemetrySettings":
        if self.enabled and not self.broker_url.startswith(("mqtt://", "mqtts://")):
            raise ValueError("enabled = true needs broker_url starting with mqtt:// or mqtts://")
        try:
            check_level(self.site, "site")
        except ValueError as error:
            raise ValueError(str(error)) from None
        if bool(self.client_cert) != bool(self.client_key):
            raise ValueError("client_cert and client_key go together")
        return self


class Settings(_Section):
    """The whole profile. `source` is the file it came from (for messages), `data_dir` is absolute."""

    profile: Literal["demo", "hall", "bank", "post-office", "gas-terminal"]
    site: SiteSettings
    services: Annotated[tuple[ServiceName, ...], Field(strict=False, min_length=1)]
    data_dir: Annotated[Path, Field(strict=False)] = Path("../data")
    secrets_file: str = ""
    ui: UiSettings = UiSettings()
    speech: SpeechSettings = SpeechSettings()
    hall: HallSettings = HallSettings()
    gas_utility: GasUtilitySettings = GasUtilitySettings()
    devices: DeviceSettings = DeviceSettings()
    payments: PaymentSettings = PaymentSettings()
    logging: LoggingSettings = LoggingSettings()
    opening_hours: OpeningHoursSettings = OpeningHoursSettings()
    maintenance: MaintenanceSettings = MaintenanceSettings()
    health: HealthSettings = HealthSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    source: Annotated[Path, Field(strict=False)] = Path("")

    @model_validator(mode="after")
    def _services_once_each(self) -> "Settings":
        seen = set()
        for service in self.services:
            if service in seen:
                raise ValueError(f"services lists {service!r} twice")
            seen.add(service)
        if self.hall.mode == "remote" and not self.secrets_file:
            raise ValueError("hall.mode = \"remote\" needs secrets_file (the kiosk's hall key lives there)")
        if self.gas_utility.mode == "remote" and not self.secrets_file:
            raise ValueError("gas_utility.mode = \"remote\" needs secrets_file (the terminal's gas utility key"
                             " lives there)")
        return self


class Secrets(_Section):
    """Kept apart from the profile: never shown, never logged, never copied into a diagnostics bundle."""

    kiosk_secret: str = Field(min_length=16)
    maintenance_pin_hash: str = ""
    outbox_key: str = ""
    gas_utility_secret: str = ""     # the terminal's key at the gas utility (gas_utility.mode = "remote")
    telemetry_password: str = ""     # this kiosk's password at the MQTT broker (telemetry.enabled)

    @field_validator("gas_utility_secret")
    @classmethod
    def _long_enough(cls, secret: str) -> str:
        if secret and len(secret) < 16:
            raise ValueError("expected at least 16 characters")
        return secret

    def __repr__(self) -> str:
        return "Secrets(<hidden>)"

    __str__ = __repr__


# The demo profile's maintenance PIN, 246810 (README), as a salted scrypt hash: hashing it at every start
# would cost the first frame most of a second.
DEMO_MAINTENANCE_PIN_HASH = "scrypt$15$8$1$3MEOIPTQTqynGDr0bTIDJQ==$T91G4J+zd4rFalZ1MYVcPIBPZDTvtZq2SZF4DEH5mCU="


def resolve_config_path(argument: str | None, environ: dict[str, str] | None = None) -> Path:
    """--config wins, then KIOSK_CONFIG, then the demo profile."""
    environ = os.environ if environ is None else environ
    chosen = argument or environ.get("KIOSK_CONFIG") or ""
    return Path(chosen) if chosen else DEFAULT_PROFILE


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _describe(error: dict[str, Any]) -> str:
    """Turn one pydantic error into 'expected …, got …' words a technician understands."""
    kind, found, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    got = f", got {found!r}"
    expectations = {
        "literal_error": lambda: f"expected {ctx.get('expected')}",
        "int_type": lambda: "expected a whole number",
        "float_type": lambda: "expected a number",
        "bool_type": lambda: "expected true or false",
        "string_type": lambda: "expected a text in quotes",
        "tuple_type": lambda: "expected a list [ ... ]",
        "model_type": lambda: "expected a table of keys",
        "greater_than_equal": lambda: f"expected at least {ctx.get('ge')}",
        "greater_than": lambda: f"expected more than {ctx.get('gt')}",
        "less_than_equal": lambda: f"expected at most {ctx.get('le')}",
        "string_too_short": lambda: "expected a non-empty text" if ctx.get("min_length") == 1
        else f"expected at least {ctx.get('min_length')} characters",
        "string_too_long": lambda: f"expected at most {ctx.get('max_length')} characters",
        "too_short": lambda: f"expected at least {ctx.get('min_length')} item(s)",
    }
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (check the spelling against the configuration reference)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in expectations:
        return expectations[kind]() + got
    return f"{error['msg'][:1].lower()}{error['msg'][1:]}{got}"


def _first_error_line(path: Path, error: ValidationError) -> str:
    errors = error.errors()
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return f"{path}: {key}: {_describe(first)}{more}"


def load_settings(path: Path) -> Settings:
    """Read and validate a profile. Raises ConfigError with a one-line message."""
    return _validated(path, _read_toml(path))


def settings_from_text(text: str, path: Path) -> Settings:
    """A profile's text, validated as if read from `path` (relative paths start from its folder): ConfigError
    with a one-line message for anything wrong, as `load_settings` (tests/fuzz feeds it every kind of text)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return _validated(path, raw)


def _validated(path: Path, raw: dict[str, Any]) -> Settings:
    for forbidden in ("source",):
        if forbidden in raw:
            raise ConfigError(f"{path}: {forbidden}: unknown key (check the spelling against the configuration reference)")
    try:
        settings = Settings.model_validate({**raw, "source": path})
    except ValidationError as error:
        raise ConfigError(_first_error_line(path, error)) from None
    # Relative paths in a profile are relative to the profile's own folder, wherever it is installed.
    data_dir = (path.resolve().parent / settings.data_dir).resolve()
    return settings.model_copy(update={"data_dir": data_dir})


def secrets_path(settings: Settings) -> Path | None:
    if not settings.secrets_file:
        return None
    candidate = Path(settings.secrets_file)
    return candidate if candidate.is_absolute() else settings.source.resolve().parent / candidate


def load_secrets(settings: Settings, warn: Any = None) -> Secrets:
    """The secrets the profile names, or fresh random ones for a kiosk with an embedded demo hall.

    `warn(message)` is called when the file can be read by users other than its owner.
    """
    path = secrets_path(settings)
    if path is None:
        # The embedded demo: fresh random keys every start, and the published demo PIN so that a newcomer
        # can try maintenance mode. A site always has a secrets file, and its own PIN.
        return Secrets(kiosk_secret=random_secrets.token_urlsafe(32), outbox_key=random_secrets.token_urlsafe(32),
                       maintenance_pin_hash=DEMO_MAINTENANCE_PIN_HASH if settings.profile == "demo" else "",
                       gas_utility_secret=random_secrets.token_urlsafe(32))
    raw = _read_toml(path)
    try:
        loaded = Secrets.model_validate(raw)
    except ValidationError as error:
        # The found value may be a secret: name the key and the problem only.
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        reason = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].lower()
        raise ConfigError(f"{path}: {key}: {reason}") from None
    if settings.gas_utility.mode == "remote" and not loaded.gas_utility_secret:
        raise ConfigError(f"{path}: gas_utility_secret: required when gas_utility.mode = \"remote\"")
    mode = path.stat().st_mode
    if warn is not None and mode & (stat.S_IRGRP | stat.S_IROTH):
        warn(f"{path}: secrets file is readable by other users (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}")
    return loaded


def setting_value(settings: Settings, key: str) -> Any:
    """The current value of a dotted key ("ui.idle_timeout_s"), as the profile file would hold it."""
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return list(value) if isinstance(value, tuple) else value


def edit_setting(settings: Settings, key: str, text: str) -> Settings:
    """A technician's on-site change: `text` is the new value as written in the profile file (90, "en",
    ["ticket", "guide"]). Validated exactly like the file (same messages), then written back to the
    profile with its comments kept. Returns the new settings; raises ConfigError and changes nothing
    when the key may not be edited here or the value is wrong."""
    import tomlkit  # deferred: only a technician's edit needs the comment-keeping TOML writer

    path = settings.source
    if key not in settings.maintenance.editable:
        raise ConfigError(f"{path}: {key}: may not be edited on site (see maintenance.editable)")
    try:
        value = tomllib.loads(f"value = {text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"{path}: {key}: not a value as the profile file writes it "
                          f"(numbers as 90, texts in quotes, lists as [\"a\", \"b\"]), got {text!r}") from None
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    *tables, name = key.split(".")
    table: Any = document
    for part in tables:
        if part not in table:
            table[part] = tomlkit.table()
        table = table[part]
    table[name] = value
    edited = _validated(path, document.unwrap())
    temporary = path.with_name(path.name + ".editing")
    temporary.write_text(tomlkit.dumps(document), encoding="utf-8")
    os.replace(temporary, path)
    return edited.model_copy(update={"data_dir": settings.data_dir})  # not editable: keep where data lives
