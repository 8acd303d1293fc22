"""Which screen class serves each service, imported only when its screen is first built: each journey
screen parses its .kv file on import, and a kiosk should not pay for all of them before its first frame.
A service not listed here shows the plain ServiceScreen ("being prepared, please go to a window")."""

from importlib import import_module

__all__ = ["JOURNEY_SCREENS", "screen_class"]

JOURNEY_SCREENS = {
    "ticket": "screens.ticket:TicketScreen",
    "one_card": "screens.one_card:OneCardScreen",
    "guide": "screens.guide:GuideScreen",
    "progress": "screens.progress:ProgressScreen",
    "appointment": "screens.appointment:AppointmentScreen",
    "review": "screens.review:ReviewScreen",
    "complaint": "screens.complaint:ComplaintScreen",
    "gas": "screens.gas:GasScreen",
}


def screen_class(service: str) -> type:
    if service not in JOURNEY_SCREENS:
        from screens.service import ServiceScreen  # deferred: parsed with its .kv only for a service without a journey

        return ServiceScreen
    module, name = JOURNEY_SCREENS[service].split(":")
    return getattr(import_module(module), name)
