"""A status-page simulator: N fake Statuspage / incident.io pages on loopback, for tests and
benchmarks.

- `model`: one page's state, kind-neutral (components, incidents, maintenances); every change
  returns the `Publication`s a monitor should print, which `recorder` keeps.
- `statuspage`, `incidentio`, `atom`: render that state in each platform's real shape, built
  from the shared captures (`captures`): only what a page changes is changed.
- `documents`: bodies with ETag / Last-Modified / Cache-Control and the 304 rule.
- `scenario`, `generate`: scripted steps (YAML/JSON): incidents, flaps, maintenances, renames,
  faults (429 + Retry-After, 5xx, slow, HTML challenge, truncated JSON, reset).
- `world`, `http`, `server`: the pages behind an asyncio HTTP/1.1 server on one or more
  loopback ports (one port = one host, so per-host back-off stays per host).
- `webhooks`: the matching Statuspage webhook POSTs; `score`: a run against the notifier's
  JSON lines (missed, duplicates, lag).
"""
