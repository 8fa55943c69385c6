"""phienhop server: the Litestar app, the domain core, the event store, the CLI."""
