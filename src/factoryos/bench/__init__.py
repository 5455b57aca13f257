"""Every benchmark harness behind `factoryos bench`: figures measured, never asserted in tests."""
