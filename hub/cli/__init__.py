"""The command line's data commands (`ewidencjoner ...`), one module per family.

`main` is the root group; its `COMMANDS` table says which module holds each command, and
`lazy.LazyGroup` imports that module only when the command runs. The families: `readers`,
`exports`, `quarantine`, `registry` (groups, children, guardians, cards), `journal` (days,
presence, inconsistencies, corrections, site settings), `fees`, `reports`, `topics`,
`users`, `broker` (reader logins, Mosquitto's files, certificates); `context` is what they
share (opening the settings and the database, JSON output, refusals as errors). The entry
point, with `serve` and `demo`, is `web/cli.py`. The CLI may import every hub layer;
never the web (checked by `lint-imports`, see pyproject.toml).
"""
