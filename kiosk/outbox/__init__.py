"""Work accepted for the hall while it may be away: the durable store, the one sender that delivers it
exactly once, and their errors and alerts."""
