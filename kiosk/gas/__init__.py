"""The gas terminal's core: the gas utility's client, payments (WeChat payment code, bank card), and the
top-up saga that keeps money and gas consistent through a durable journal (补写卡, reversal, vouchers)."""
