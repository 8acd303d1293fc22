"""燃气缴费: insert the gas card, see the account, choose the amount (presets or the keypad, with the gas it buys),
pay by WeChat payment code or bank card, keep the card in while it is written, take the receipt and the card.
The journey's logic is kiosk.journeys.gas.GasJourney; this screen renders its view, passes on taps and the
gas card's events, and counts down the payer's wait. Every failure says what happened to the money."""

from __future__ import annotations

import math
from dataclasses import replace

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from domain.payment import PaymentMethod
from kiosk.devices.events import CardPlaced, GasCardPlaced, GasCardTaken, GasCardUnusable
from kiosk.journeys.gas import (PRESETS_YUAN, AccountShown, CardShown, GasJourney, GasStep, GasView, QuoteShown,
                                gas_of)
from screens.journey_screen import JourneyScreen
from screens.kv import load_kv_beside
from screens.widgets import busy, common, keypad, top_bar  # noqa: F401

__all__ = ["GasScreen"]

SPOKEN = {GasStep.INSERT_CARD: "gas.insert_card", GasStep.WRITING: "gas.writing", GasStep.REWRITING: "gas.writing",
          GasStep.TAKE_CARD: "gas.take_card", GasStep.DONE: "gas.done_title"}


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class GasScreen(JourneyScreen):
    STEP_NUMBERS = {"insert_card": 1, "reading": 1, "account": 2, "amount": 2, "confirm": 3, "pay": 4, "writing": 5}

    demo_gas = BooleanProperty(False)       # a simulated gas card reader: the demo may insert a card
    demo_scan = BooleanProperty(False)      # a simulated code scanner: the demo may show a payment code
    countdown = StringProperty("")

    presets = PRESETS_YUAN

    def make_journey(self, app) -> GasJourney:
        gas = app.runtime.gas
        payments = app.devices.payments
        return GasJourney(saga=gas.saga if gas is not None else None, worker=app.worker, deliver=app.deliver,
                          methods=payments.methods if payments is not None else (), known=app.catalogue,
                          monotonic=app.monotonic, on_change=self.show, on_finish=app.visit.end)

    def blank_view(self) -> GasView:
        return GasView(GasStep.INSERT_CARD)

    def on_enter(self, *args) -> None:
        super().on_enter(*args)
        self._ticking = Clock.schedule_interval(lambda _dt: self._tick(), 1.0)
        App.get_running_app().devices.announce_gas_card()   # a card already in the slot is read now

    def on_leave(self, *args) -> None:
        ticking = getattr(self, "_ticking", None)
        if ticking is not None:
            ticking.cancel()
        super().on_leave(*args)
        if "keypad" in self.ids:
            self.ids.keypad.clear()         # a typed amount is not left for the next citizen

    def on_card_event(self, event) -> None:
        journey = self.ensure_journey()
        if isinstance(event, GasCardPlaced):
            journey.card_inserted(event.card)
        elif isinstance(event, GasCardUnusable):
            journey.card_unusable(event.error)
        elif isinstance(event, GasCardTaken):
            journey.card_taken()
        elif isinstance(event, CardPlaced):
            event.identity.wipe()           # an ID card is not asked for here: keep nothing of it

    def render(self, view: GasView) -> None:
        app = App.get_running_app()
        if app is None or "keypad" not in self.ids:
            return
        typed = str(view.amount_fen // 100) if view.amount_fen else ""
        if view.step is GasStep.AMOUNT and self.ids.keypad.text != typed:
            self.ids.keypad.text = typed
        devices = app.devices
        self.demo_gas = devices.demo_gas_slot is not None
        payments = devices.payments
        self.demo_scan = payments is not None and payments.simulated_scanner is not None
        self._tick()
        if view.step in (GasStep.READING, GasStep.ORDERING, GasStep.PAY, GasStep.WRITING, GasStep.REWRITING) \
                and self.manager and self.manager.current == self.name:
            app.visit.touched()     # the citizen is busy at the scanner, the phone, the pad or the slot
        key = SPOKEN.get(view.step)
        if key and self.manager and self.manager.current == self.name and view.step is not self._spoken:
            app.speak(key)
        self._spoken = view.step

    _spoken = None

    def _tick(self) -> None:
        view = self.view
        if view is None or view.step is not GasStep.PAY or view.seconds_left is None:
            self.countdown = ""
            return
        app = App.get_running_app()
        if self.manager and self.manager.current == self.name:
            app.visit.touched()     # the payer's own wait is running: no "是否继续办理?" over it
        left = view.seconds_left
        if view.deadline is not None:
            left = max(0, math.ceil(view.deadline - app.monotonic()))
        self.countdown = str(left)

    # --- taps ---------------------------------------------------------------------------------------

    def typed(self, text: str) -> None:
        if self.journey is not None and self.view.step is GasStep.AMOUNT:
            if text != (str(self.view.amount_fen // 100) if self.view.amount_fen else ""):
                self.journey.type_yuan(text)

    def preset(self, amount_yuan: int) -> None:
        self.ids.keypad.text = str(amount_yuan)

    def pay(self, method: str) -> None:
        if self.journey is not None:
            self.journey.pay(PaymentMethod(method))

    # --- texts --------------------------------------------------------------------------------------

    def account_text(self, view: GasView, language: str) -> str:
        app, card, account = App.get_running_app(), view.card, view.account
        if card is None:
            return ""
        lines = [app.tr("gas.card_number", language, number=card.number),
                 app.tr("gas.account_number", language, number=card.account)]
        if account is not None:
            lines += [app.tr("gas.holder", language, name=account.holder),
                      app.tr("gas.address", language, address=account.address)]
        lines.append(app.tr(f"gas.card_gas_{card.measure}", language, gas=gas_of(card.measure, card.gas)))
        lines.append(app.tr("gas.purchase_count", language, count=card.purchase_count))
        if account is not None:
            lines.append(app.tr("gas.used_this_year", language, volume=gas_of("volume",
                                                                              account.used_this_year_tenths_m3)))
            if account.arrears_fen:
                lines.append(app.tr("gas.arrears", language, amount=yuan(account.arrears_fen)))
        return "\n".join(lines)

    def limit_text(self, view: GasView, language: str) -> str:
        account = view.account
        if account is None or not account.max_now_tenths_m3:
            return ""
        return App.get_running_app().tr("gas.max_now", language, volume=gas_of("volume", account.max_now_tenths_m3),
                                        amount=yuan(account.max_now_amount_fen))

    def quote_text(self, view: GasView, language: str) -> str:
        app = App.get_running_app()
        if view.amount_problem:
            return app.tr(view.amount_problem, language)
        if view.quoting:
            return app.tr("gas.quoting", language)
        quote, card = view.quote, view.card
        if quote is None:
            return ""
        if card is not None and card.measure == "amount":
            return app.tr("gas.quote_amount", language, amount=yuan(quote.amount_fen),
                          volume=gas_of("volume", quote.volume_tenths_m3))
        return app.tr("gas.quote_volume", language, volume=gas_of("volume", quote.volume_tenths_m3),
                      amount=yuan(quote.amount_fen))

    def confirm_text(self, view: GasView, language: str) -> str:
        app, quote, card = App.get_running_app(), view.quote, view.card
        if quote is None or card is None:
            return ""
        return "\n".join((app.tr("gas.confirm_amount", language, amount=yuan(quote.amount_fen)),
                          app.tr("gas.confirm_volume", language, volume=gas_of("volume", quote.volume_tenths_m3)),
                          app.tr("gas.confirm_card", language, number=card.number, count=card.purchase_count + 1)))

    def payment_text(self, view: GasView, language: str) -> str:
        app = App.get_running_app()
        key = {"scan_code": "gas.scan", "waiting_for_user": "gas.confirm_on_phone",
               "insert_card": "gas.insert_bankcard", "enter_pin": "gas.enter_pin", "take_card": "gas.take_bankcard",
               "reversing": "gas.reversing", "refunding": "gas.refunding"}.get(view.payment, "gas.processing")
        text = app.tr(key, language)
        if view.notice == "not_a_payment_code" and view.payment == "scan_code":
            text = app.tr("gas.wrong_code", language) + "\n" + text
        return text

    def countdown_text(self, countdown: str, language: str) -> str:
        return App.get_running_app().tr("gas.seconds_left", language, seconds=countdown) if countdown else ""

    def problem_text(self, view: GasView, language: str) -> str:
        return App.get_running_app().tr(view.problem, language) if view.problem else ""

    def money_text(self, view: GasView, language: str) -> str:
        if view.step not in (GasStep.REFUSED, GasStep.NOT_PAID, GasStep.WRITE_FAILED, GasStep.STOPPED,
                             GasStep.UNAVAILABLE):
            return ""
        amount = view.paid_fen or (view.quote.amount_fen if view.quote else 0)
        return App.get_running_app().tr(f"gas.money.{view.money}", language, amount=yuan(amount))

    def done_title(self, view: GasView, language: str) -> str:
        key = {"rewrite": "gas.rewrite_done_title", "confirmed": "gas.confirmed_title"}.get(view.kind, "gas.done_title")
        return App.get_running_app().tr(key, language)

    def done_text(self, view: GasView, language: str) -> str:
        app, card = App.get_running_app(), view.card
        if view.step is not GasStep.DONE or card is None:
            return ""
        return "\n".join((app.tr(f"gas.done_{card.measure}", language, gas=gas_of(card.measure, view.written_gas)),
                          app.tr("gas.done_paid", language, amount=yuan(view.paid_fen))))

    def receipt_text(self, view: GasView, language: str) -> str:
        app = App.get_running_app()
        if view.receipt == "printed":
            return app.tr("gas.receipt_printed", language)
        if view.receipt == "failed":
            problem = app.tr(view.print_problem, language) if view.print_problem else ""
            return app.tr("gas.receipt_not_printed", language) + ("\n" + problem if problem else "")
        return app.tr("gas.receipt_printing", language) if view.receipt == "printing" else ""

    def voucher_text(self, view: GasView, language: str) -> str:
        app = App.get_running_app()
        if view.voucher == "printed":
            return app.tr("gas.voucher_printed", language)
        if view.voucher == "failed":
            return app.tr("gas.voucher_not_printed", language)
        return ""

    def demo_text(self, view: GasView, language: str, demo_gas: bool, demo_scan: bool) -> str:
        """The demo's quiet control for this step (demo profile only): insert a card, show a code, take the card."""
        app = App.get_running_app()
        if demo_gas and view.step is GasStep.INSERT_CARD:
            return app.tr("gas.demo_insert", language)
        if demo_scan and view.step is GasStep.PAY and view.payment == "scan_code":
            return app.tr("gas.demo_scan", language)
        if demo_gas and view.step is GasStep.TAKE_CARD:
            return app.tr("gas.demo_take", language)
        return ""

    def demo_action(self) -> None:
        devices = App.get_running_app().devices
        if self.view.step is GasStep.INSERT_CARD:
            devices.insert_next_demo_gas_card()
        elif self.view.step is GasStep.PAY:
            devices.scan_demo_payment_code()
        elif self.view.step is GasStep.TAKE_CARD:
            devices.take_out_demo_gas_card()

    # --- pictures -----------------------------------------------------------------------------------

    def screenshot_views(self) -> list[tuple[str, GasView]]:
        """Every step, and each kind of failure, with fictitious data, for `main.py --screenshot` and the walk."""
        card = CardShown("31****2468", "61******4521", "volume", 0, 3)
        account = AccountShown("王**", "雁塔区丈八街道科技路**号枫叶新都市**号楼*单元****室", 0, 1203, 2000, 53400)
        quote = QuoteShown(10000, 9986, 374, 374)
        methods = ("wechat", "bankcard")
        base = GasView(GasStep.ACCOUNT, card=card, account=account, card_present=True, methods=methods)
        chosen = GasView(GasStep.AMOUNT, card=card, account=account, card_present=True, methods=methods,
                         amount_fen=10000, quote=quote)
        paying = GasView(GasStep.PAY, card=card, account=account, card_present=True, methods=methods,
                         amount_fen=10000, quote=quote, order_id="GT2611239K3QX7AB", method="wechat",
                         payment="scan_code", seconds_left=42)
        paid = GasView(GasStep.WRITING, card=card, account=account, card_present=True, methods=methods,
                       amount_fen=10000, quote=quote, order_id="GT2611239K3QX7AB", paid_fen=9986, method="wechat")
        done_card = CardShown("31****2468", "61******4521", "volume", 374, 4)
        done = GasView(GasStep.DONE, card=done_card, account=account, card_present=True, order_id="GT2611239K3QX7AB",
                       paid_fen=9986, written_gas=374, receipt="printed")

        def stopped(problem: str, money: str, voucher: str = "printed") -> GasView:
            return GasView(GasStep.STOPPED, card=card, card_present=True, order_id="GT2611239K3QX7AB", paid_fen=9986,
                           problem=problem, money=money, voucher=voucher)

        return [
            ("insert_card", GasView(GasStep.INSERT_CARD, methods=methods)),
            ("reading", GasView(GasStep.READING, card=card, card_present=True)),
            ("account", base),
            ("refused", GasView(GasStep.REFUSED, card=card, card_present=True,
                                problem="gas.utility.account_in_arrears", money="none")),
            ("amount", chosen),
            ("amount-refused", GasView(GasStep.AMOUNT, card=card, account=account, card_present=True, methods=methods,
                                       amount_fen=100, amount_problem="gas.utility.below_minimum_purchase")),
            ("confirm", GasView(GasStep.CONFIRM, card=card, account=account, card_present=True, methods=methods,
                                amount_fen=10000, quote=quote)),
            ("ordering", GasView(GasStep.ORDERING, card=card, card_present=True, quote=quote, method="wechat")),
            ("pay-scan", paying),
            ("pay-wrong-code", replace(paying, notice="not_a_payment_code")),
            ("pay-phone", replace(paying, payment="waiting_for_user", seconds_left=25)),
            ("pay-bankcard", replace(paying, method="bankcard", payment="enter_pin",
                                        seconds_left=None)),
            ("not-paid", GasView(GasStep.NOT_PAID, card=card, card_present=True, methods=methods, quote=quote,
                                 order_id="GT2611239K3QX7AB", problem="gas.payment.insufficient_balance",
                                 money="none")),
            ("writing", paid),
            ("rewriting", GasView(GasStep.REWRITING, card=card, card_present=True, kind="rewrite", paid_fen=13350,
                                  order_id="GT2611239K3QX7AB")),
            ("write-failed", GasView(GasStep.WRITE_FAILED, card=card, card_present=False, order_id="GT2611239K3QX7AB",
                                     paid_fen=9986, problem="gas.card.card_removed", money="held")),
            ("done", done),
            ("done-rewrite", replace(done, kind="rewrite", paid_fen=13350, written_gas=500)),
            ("done-not-printed", replace(done, receipt="failed", print_problem="printer.paper_out")),
            ("stopped-held", stopped("gas.saga.utility_unavailable", "held")),
            ("stopped-returned", stopped("gas.utility.order_cancelled", "returned")),
            ("stopped-uncertain", stopped("gas.payment.payment_unresolved", "uncertain", voucher="failed")),
            ("take_card", GasView(GasStep.TAKE_CARD, card=done_card, card_present=True)),
            ("unavailable", GasView(GasStep.UNAVAILABLE, problem="gas.saga.utility_unavailable")),
        ]


load_kv_beside(__file__)
