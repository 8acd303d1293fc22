"""The kiosk's devices as the core sees them: the hub that opens and drives them, the card events it
hands on and where they go, device health and what the kiosk can offer because of it, opening hours,
the words for device problems, the heartbeat that tells the hall, and the touchscreen's Chinese input
(text_input: handwriting and pinyin)."""
