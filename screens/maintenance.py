"""The technician's page: diagnostics with a verdict per line, device tests, the outbox's refused items,
the gas top-up's unfinished purchases and the day's 对账, the cached guides, 暂停服务, export, on-site settings,
restart, leave.

Reached only through the hidden gesture and the PIN (the app owns entry, exit and the inactivity timeout).
Everything slow runs on the app's worker and comes back through the clock; every action is audited
(`app.audit`), and nothing personal is shown: the reader test shows a masked name and number, and the
settings view never shows the secrets file's contents.
"""

from __future__ import annotations

import io
import json

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.config import ConfigError, edit_setting, setting_value
from kiosk.devices.events import CardPlaced
from kiosk.gas.reconciliation import reconcile
from kiosk.gas.technician import pending_lines, reconciliation_lines
from kiosk.maintenance.actions import ExportFailed, export_bundle, reader_test_result, test_page, usb_targets
from kiosk.maintenance.diagnostics import Verdict, collect
from screens.kv import load_kv_beside
from screens.widgets import common  # noqa: F401  (KioskLabel, KioskButton rules)

__all__ = ["MaintenanceScreen", "DiagnosticRow", "DeadItemRow", "SettingButton"]

# On-site edits that only take effect at the next start (screens and the speaker are built once).
RESTART_TO_APPLY = {"services", "speech.enabled", "speech.volume"}
VERDICT_COLOURS = {Verdict.OK: "#1b7f3b", Verdict.INFO: "#333333", Verdict.WARNING: "#8a5a00", Verdict.FAULT: "#b00020"}


class DiagnosticRow(BoxLayout):
    line_text = StringProperty("")
    colour = StringProperty("#333333")


class DeadItemRow(BoxLayout):
    item_id = StringProperty("")
    description = StringProperty("")
    choosing_reason = BooleanProperty(False)  # 丢弃 tapped: the reasons replace 重试/丢弃


class SettingButton(BoxLayout):
    key = StringProperty("")
    value = StringProperty("")


class MaintenanceScreen(Screen):
    status_text = StringProperty("")
    reader_testing = BooleanProperty(False)
    edit_key = StringProperty("")

    def on_enter(self, *_args) -> None:
        self.status_text = ""
        self.reader_testing = False
        self.ids.preview.texture = None
        self.run_diagnostics()
        self.refresh_outbox()
        self.refresh_gas()
        self.show_settings()

    def _app(self):
        return App.get_running_app()

    def _say(self, message_key: str, **values) -> None:
        app = self._app()
        self.status_text = app.tr(message_key, app.language, **values)

    def _failed(self, what: str):
        def report(error: BaseException) -> None:
            self._say("maintenance.failed", reason=str(error))
            self._app().desk.audit(f"{what}_failed", f"{type(error).__name__}: {error}", "warning")
        return report

    # --- diagnostics -------------------------------------------------------------------------------

    def run_diagnostics(self) -> None:
        app = self._app()
        self.ids.lines.clear_widgets()
        self.ids.lines.add_widget(DiagnosticRow(line_text=app.tr("maintenance.running", app.language)))
        app.worker.run(lambda: self.collect_diagnostics(app), on_result=self.show_lines,
                       on_error=self._failed("diagnostics"))

    @staticmethod
    def collect_diagnostics(app) -> list:
        """Every diagnostics line for the running kiosk. Blocking: call from a worker thread."""
        hall = app.hall
        return collect(app.settings, printer=app.devices.printer,
                       reader_state=None if app.reader_state == "unknown" else app.reader_state,
                       client=hall.client if hall else None, outbox=hall.outbox if hall else None,
                       uptime_s=app.runtime.uptime_s())

    def show_lines(self, lines) -> None:
        self.lines = lines
        self.ids.lines.clear_widgets()
        for line in lines:
            self.ids.lines.add_widget(DiagnosticRow(line_text=line.text(), colour=VERDICT_COLOURS[line.verdict]))

    # --- device tests ------------------------------------------------------------------------------

    def print_test_page(self) -> None:
        app = self._app()
        if app.devices.printer is None:
            self._say("maintenance.failed", reason="no printer is open")
            return

        def printed(result) -> None:
            self._say("maintenance.test_page_done")
            app.desk.audit("test_page", f"test page printed ({result.status.state.value})")
            self.run_diagnostics()

        app.devices.print(test_page(app.settings, app.clock.now()), on_result=printed,
                          on_error=self._failed("test_page"), keep=False)

    def start_reader_test(self) -> None:
        self.reader_testing = True
        self._say("maintenance.reader_test_waiting")

    def on_card_event(self, event) -> None:
        """Card events while this page is shown: a result for the reader test, else wiped unseen."""
        if not self.reader_testing:
            if isinstance(event, CardPlaced):
                event.identity.wipe()
            return
        outcome = reader_test_result(event)
        if outcome is None:
            return
        self.reader_testing = False
        ok, text = outcome
        self._say("maintenance.reader_test_ok" if ok else "maintenance.reader_test_failed",
                  **({"card": text} if ok else {"reason": text}))
        self._app().desk.audit("reader_test", f"card read: {text}" if ok else f"read failed: {text}",
                          "info" if ok else "warning")

    def show_preview(self) -> None:
        app = self._app()
        document = app.devices.last_printout
        if document is None:
            self._say("maintenance.preview_none")
            return

        def shown(png: bytes) -> None:
            self.ids.preview.texture = CoreImage(io.BytesIO(png), ext="png").texture
            self.status_text = ""
            app.desk.audit("preview", f"preview of the last {type(document).__name__}")

        app.worker.run(lambda: app.devices.preview_png(document), on_result=shown,
                       on_error=self._failed("preview"))

    # --- outbox and catalogue ----------------------------------------------------------------------

    def refresh_outbox(self) -> None:
        app = self._app()
        box = self.ids.dead_items
        box.clear_widgets()
        if app.hall is None:
            box.add_widget(DiagnosticRow(line_text=app.tr("maintenance.no_hall", app.language)))
            return
        outbox = app.hall.outbox

        def show(items) -> None:
            box.clear_widgets()
            if not items:
                box.add_widget(DiagnosticRow(line_text=app.tr("maintenance.outbox_empty", app.language)))
            for item in items:
                when = app.clock.at(item.created_at).strftime("%m-%d %H:%M")
                box.add_widget(DeadItemRow(item_id=item.id, description=f"{item.kind} {when} ×{item.attempts}: "
                                                                        f"{item.reason}"))

        app.worker.run(outbox.dead_items, on_result=show, on_error=self._failed("outbox"))

    def retry_dead(self, item_id: str) -> None:
        app = self._app()

        def done(requeued: bool) -> None:
            app.desk.audit("outbox_retry", f"dead item {item_id} {'requeued' if requeued else 'was already gone'}")
            self.refresh_outbox()

        app.worker.run(lambda: app.hall.outbox.requeue_dead(item_id), on_result=done, on_error=self._failed("outbox"))

    def discard_dead(self, item_id: str, reason_key: str) -> None:
        app = self._app()
        reason = app.tr(reason_key, "zh")

        def done(discarded: bool) -> None:
            app.desk.audit("outbox_discard", f"dead item {item_id} {'discarded' if discarded else 'was already gone'}: "
                                        f"{reason}")
            self.refresh_outbox()

        app.worker.run(lambda: app.hall.outbox.discard_dead(item_id, reason), on_result=done,
                       on_error=self._failed("outbox"))

    # --- gas top-up --------------------------------------------------------------------------------

    def _gas_terminal(self):
        """The running gas terminal, or None (said on the page) where this kiosk does not sell gas."""
        app = self._app()
        gas = app.runtime.gas
        if gas is None or gas.journal is None:
            self._show_gas([app.tr("maintenance.gas_not_sold", app.language)], [])
        return gas

    def _show_gas(self, texts: list[str], alerts: list[bool]) -> None:
        box = self.ids.gas_lines
        box.clear_widgets()
        for index, text in enumerate(texts):
            alert = alerts[index] if index < len(alerts) else False
            box.add_widget(DiagnosticRow(line_text=text, colour=VERDICT_COLOURS[Verdict.FAULT if alert else Verdict.INFO]))

    def _show_technician_lines(self, lines) -> None:
        self._show_gas([line.text for line in lines], [line.alert for line in lines])

    def _texts(self):
        app = self._app()
        return lambda key, **values: app.tr(key, app.language, **values)

    def refresh_gas(self) -> None:
        """Purchases not finished: 补写卡 waiting for a card, reversals and refunds under way."""
        gas = self._gas_terminal()
        if gas is None:
            return
        texts = self._texts()
        self._app().worker.run(lambda: pending_lines(gas.journal, texts), on_result=self._show_technician_lines,
                               on_error=self._failed("gas_pending"))

    def recover_gas(self) -> None:
        """Another recovery round now (it also runs at start, every minute and when a gas card is inserted)."""
        gas = self._gas_terminal()
        if gas is None or gas.recovery is None:
            return
        gas.recovery.wake()
        self._say("maintenance.gas_recovering")
        self._app().desk.audit("gas_recover", "recovery round asked for")

    def reconcile_gas(self) -> None:
        """对账 of the site's today: the journal, the utility and the payers, order by order."""
        gas = self._gas_terminal()
        if gas is None:
            return
        app, texts = self._app(), self._texts()
        day = app.clock.today()
        self._show_gas([app.tr("maintenance.gas_reconciling", app.language)], [])

        def done(lines) -> None:
            self._show_technician_lines(lines)
            app.desk.audit("gas_reconcile", f"{day.isoformat()}: {lines[0].text}", "warning" if lines[0].alert else "info")

        app.worker.run(lambda: reconciliation_lines(reconcile(gas.journal, gas.connection.client, app.devices.payments,
                                                              day), texts),
                       on_result=done, on_error=self._failed("gas_reconcile"))

    def refresh_catalogue(self) -> None:
        app = self._app()
        if app.hall is None:
            self._say("maintenance.no_hall")
            return

        def done(count: int) -> None:
            self._say("maintenance.refreshed", count=count)
            app.desk.audit("catalogue_refresh", f"{count} cached guide file(s) refreshed")

        app.worker.run(app.hall.catalogue.refresh_all, on_result=done, on_error=self._failed("catalogue_refresh"))

    # --- kiosk-wide -----------------------------------------------------------------------------------

    def toggle_suspended(self) -> None:
        app = self._app()
        app.suspend_notice = self.ids.notice_input.text.strip()
        app.runtime.set_suspended(not app.suspended)

    def export(self) -> None:
        app = self._app()

        def work():
            targets = usb_targets()
            target = targets[0] if targets else app.settings.data_dir / "exports"
            return export_bundle(app.settings, self.collect_diagnostics(app), app.desk.audit_log, target,
                                 app.clock.now())

        def done(path) -> None:
            self._say("maintenance.exported", path=str(path))
            app.desk.audit("export", f"diagnostics bundle written to {path}")

        def failed(error: BaseException) -> None:
            if not isinstance(error, ExportFailed):
                raise error
            self._failed("export")(error)

        app.worker.run(work, on_result=done, on_error=failed)

    # --- on-site settings ---------------------------------------------------------------------------

    def show_settings(self) -> None:
        app = self._app()
        box = self.ids.settings
        box.clear_widgets()
        for key in app.settings.maintenance.editable:
            box.add_widget(SettingButton(key=key, value=_as_toml(setting_value(app.settings, key))))

    def choose_setting(self, key: str) -> None:
        self.edit_key = key
        self.ids.value_input.text = _as_toml(setting_value(self._app().settings, key))

    def save_setting(self) -> None:
        app = self._app()
        key, text = self.edit_key, self.ids.value_input.text
        if not key:
            return
        before = _as_toml(setting_value(app.settings, key))

        def saved(settings) -> None:
            app.apply_settings(settings)
            restart = key in RESTART_TO_APPLY
            self._say("maintenance.saved", setting=key + (" (restart)" if restart else ""))
            app.desk.audit("setting", f"{key}: {before} -> {_as_toml(setting_value(settings, key))}")
            self.show_settings()

        def refused(error: BaseException) -> None:
            if not isinstance(error, ConfigError):
                raise error
            self.status_text = str(error)
            app.desk.audit("setting_refused", str(error), "warning")

        app.worker.run(lambda: edit_setting(app.settings, key, text), on_result=saved, on_error=refused)


    def restart(self) -> None:
        """End the app; systemd (Restart=always) starts it again within seconds."""
        app = self._app()
        app.worker.run(lambda: app.desk.audit_log.record("restart", "restart requested from the maintenance page"),
                       on_result=lambda _record: app.stop(), on_error=lambda _error: app.stop())


def _as_toml(value) -> str:
    """A value as the profile file writes it (json's quoting matches TOML's for these simple values)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


load_kv_beside(__file__)
