"""The API's endpoints, one blueprint per resource: the utility, accounts and cards, quotes, orders,
reconciliation."""
