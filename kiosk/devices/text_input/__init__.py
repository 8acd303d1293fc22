"""Chinese text input on the touchscreen, without Kivy: handwriting (zinnia, kiosk.devices.text_input.handwriting) and
pinyin (librime, kiosk.devices.text_input.pinyin), each a small ctypes binding behind an interface that raises a typed
error (kiosk.devices.text_input.errors) when its library or data is missing, run on one thread of their own
(kiosk.devices.text_input.service). What a citizen writes is personal data: it is never logged, and the journeys
register it with domain.privacy's SensitiveValues and send it only through the sealed outbox.
"""
