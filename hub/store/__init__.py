"""Storage: every SQL statement of the hub, one module per family of tables.

`db` opens the SQLite file and hands out connections (`SiteDatabase`); `migrations` is
the numbered schema, its steps in `schema_journal` and `schema_accounts`. The other
modules each own their tables: taps, readers, quarantine, registry (groups, children,
guardians), cards, corrections, absences, fee settings, site settings, day topics, the
audit log, broker credentials, announcements and calendar events; `day_inputs` reads
what days are computed from. A store
module may import the rules (`hub.rules`), the basics (`hub.config`, `hub.timefmt`,
`hub.wire`) and other store modules; never services, ingest, accounts, reports, the CLI
or the web (checked by `lint-imports`, see pyproject.toml).
"""
