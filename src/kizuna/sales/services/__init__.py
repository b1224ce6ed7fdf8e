"""Sales services: every write of the sales app goes through a function here (docs/dev/sales.md)."""
