"""The reference hall backend: the kiosk API (/v1, see openapi.yaml) on Flask, waitress and SQLite.

It is the demo profile's embedded hall (`hall_server.embedded.start_embedded`), the server every
integration test talks to over loopback HTTP, and a starting point for a site's own adapter.
Run it alone with `python -m hall_server --host 127.0.0.1 --port 8700 --db PATH`.
"""
