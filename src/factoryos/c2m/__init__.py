"""Customer-to-manufacturer: the configurator's front door, order intake, and the demand stream."""
