"""Dev tools: what runs the hub without real hardware, for the demo, the tests and bench.

`virtual_reader` runs the real firmware under the MicroPython unix port against a
simulated MFRC522; `demo` seeds a sample kindergarten and starts virtual readers for
`ewidencjoner demo`. They may import every hub layer; no shipping layer imports them
(checked by `lint-imports`, see pyproject.toml).
"""
