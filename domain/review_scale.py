"""The 好差评 scale, one copy for the hall, the kiosk's client and its journey, and the phone review page.

Five levels, best first (GB/T 39735-2020 政务服务评价工作指南), the reasons an unsatisfied citizen picks from
(at least one), and the in-person indicators. The keys are the hall API's; the Chinese words are what the
phone page shows (the kiosk's own texts, in both languages, are in kiosk/messages/review.toml).
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ReviewLevel", "ReviewReason", "LEVELS", "REVIEW_LEVELS", "UNSATISFIED", "REASONS", "REVIEW_REASONS",
           "INDICATORS", "REVIEW_INDICATORS"]

ReviewLevel = Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]
LEVELS: tuple[str, ...] = get_args(ReviewLevel)
REVIEW_LEVELS: dict[str, str] = dict(zip(LEVELS, ("非常满意", "满意", "基本满意", "不满意", "非常不满意")))
# These two call for reasons and may ask for a call-back.
UNSATISFIED = frozenset({"dissatisfied", "very_dissatisfied"})

ReviewReason = Literal["long_wait", "unclear_guidance", "repeated_visits", "bad_attitude", "slow_processing",
                       "system_failure", "other"]
REASONS: tuple[str, ...] = get_args(ReviewReason)
REVIEW_REASONS: dict[str, str] = dict(zip(REASONS, ("等候时间长", "告知不清楚", "多次跑动", "服务态度差", "办理效率低",
                                                    "系统或设备故障", "其他")))

# The in-person indicators, in the order they are asked.
REVIEW_INDICATORS: dict[str, str] = {"overall": "总体评价", "efficiency": "办事效率", "service_level": "服务水平",
                                     "attitude": "服务态度"}
INDICATORS: tuple[str, ...] = tuple(REVIEW_INDICATORS)
