"""The ground floor: values and rules that several parts of the project share and that do no I/O.

Identity cards and ID-number rules, masking of personal data, printable documents, request signing, the demo
citizens, the site clock, gas-card values. `drivers/`, `hall_server/` and `kiosk/` all build on this package;
it imports none of them (an import-linter contract in setup.cfg says so and the suite checks it).
"""
