"""The factory domain, aligned with ISA-95 (IEC 62264). Imports nothing else of factoryos."""
