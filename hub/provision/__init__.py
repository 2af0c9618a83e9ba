"""Provisioning real readers: the firmware bundle and a reader's `config.json`.

`firmware` compiles the MicroPython sources in `firmware/` into the bundle that is
flashed (`make firmware`); `reader` writes a reader's `config.json` beside the bundle and
copies both with mpremote (`ewidencjoner reader provision`). This ships: it may import
the store and the basics, never the dev tools (`hub.devtools`) or the web (checked by
`lint-imports`, see pyproject.toml).
"""
