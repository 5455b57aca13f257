"""Quality engines: control charts and their rules, process capability, multivariate process monitoring,
serial genealogy and holds.

Pure computation over numpy arrays and plain data; reading files, the database and printing belong to
`factoryos.services` (quality, trace, holds), `factoryos.store` and the CLI."""
