"""The reference gas utility server: the gas company's terminal API (/v1, see openapi.yaml) on Flask, waitress
and SQLite — accounts by card, tiered quotes (阶梯气价), orders with explicit states, write reservations and
confirmations, pending rewrites (补写卡), refunds and a terminal's daily reconciliation (对账).

It is a separate system from the hall (the gas company runs it, with its own URL, terminal keys, API document
and guide, docs/gas-api.md), so it imports nothing of hall_server or kiosk: only domain/. The demo profile
embeds it (`gas_server.embedded.start_embedded`), the tests talk to it over loopback HTTP, and a utility can
take it as the shape of its own adapter. Run it alone with `python -m gas_server --port 8710 --db PATH`.
"""
