"""Which screen class serves each service. A service not listed here shows the plain ServiceScreen
("being prepared, please go to a window") until its journey is built."""

from screens.appointment import AppointmentScreen
from screens.complaint import ComplaintScreen
from screens.guide import GuideScreen
from screens.one_card import OneCardScreen
from screens.progress import ProgressScreen
from screens.review import ReviewScreen
from screens.ticket import TicketScreen

__all__ = ["JOURNEY_SCREENS"]

JOURNEY_SCREENS = {
    "ticket": TicketScreen,
    "one_card": OneCardScreen,
    "guide": GuideScreen,
    "progress": ProgressScreen,
    "appointment": AppointmentScreen,
    "review": ReviewScreen,
    "complaint": ComplaintScreen,
}
