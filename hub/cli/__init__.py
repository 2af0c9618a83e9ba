"""The command line's data commands (`ewidencjoner ...`), one module per family.

`main` is the root group (readers, exports, quarantine) and gathers the others:
`journal` (children, cards, corrections, days), `fees`, `reports`, `topics`, `users`,
`broker` (reader logins, Mosquitto's files, certificates); `context` is what they share
(opening the settings and the database, JSON output, refusals as errors). The entry
point, with `serve` and `demo`, is `web/cli.py`. The CLI may import every hub layer;
never the web (checked by `lint-imports`, see pyproject.toml).
"""
