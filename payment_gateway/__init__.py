"""The reference WeChat Pay gateway: the API v3 subset an unattended terminal uses, on loopback, with real signatures.

It answers the `wechatpayv3` SDK exactly as WeChat Pay's API would for payment codes (付款码), so that the
kiosk's payments run end to end against it: requests signed by the merchant (SHA256withRSA) are verified,
answers are signed with the platform key, and each order moves through WeChat's trade states with a clock
of its own. Behaviours can be injected per payment code or per order (the user confirms slowly or never,
insufficient balance, 500s, answers that come too late or are tampered with, a reverse refused, a payment
landing during a reverse): see behaviours.py. Its own SQLite database holds orders, refunds and behaviours.

It never imports the kiosk. `embedded.py` starts it in-process for the demo with freshly generated keys;
`python -m payment_gateway` runs it alone. The API it serves is in openapi.yaml.
"""
