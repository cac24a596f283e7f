"""The operator's tools: `statusmon` commands (main), the one-machine supervisor (run), the
process commands every deployment shares (processes), pages, catalog, config check, health."""
