"""Quality engines: control charts and their rules, process capability, multivariate process monitoring.

Pure computation over numpy arrays; reading files and printing belong to `factoryos.services.quality` and the CLI."""
