"""Material requirements planning: what to make and buy, when, and for which demand (pure engines over plain data)."""
