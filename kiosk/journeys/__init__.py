"""One state machine per citizen journey (取号, 一证通办, 预约, 办件查询, 办事指南, 好差评, 投诉建议), on a small
shared base, with the steps they share (the phone step). No Kivy: screens show their views."""
