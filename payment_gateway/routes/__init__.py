"""One blueprint per resource: transactions (payment code, Native, query, reverse, close), refunds, control."""
