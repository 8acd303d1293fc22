"""The technician's side: entry (corner gesture, PIN, lockout), the actions of the maintenance page,
self-diagnosis, the audit log and the systemd watchdog. `python -m kiosk.maintenance set-pin` sets the PIN."""
