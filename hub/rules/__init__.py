"""The pure rules: what a day of attendance is, and what it costs.

`attendance/` turns taps and corrections into a child's day; `statistics.py` counts those
days into attendance statistics; `fees/` turns days and the dated fee settings into
statements and summaries. Pure functions over frozen dataclasses:
no SQL, no MQTT, no files, no clock. A rule may import the standard library, the other
rule package and the basics (`hub.config`, `hub.timefmt`, `hub.wire`), nothing else of
ours and no I/O library (checked by `lint-imports`, see pyproject.toml).
"""
