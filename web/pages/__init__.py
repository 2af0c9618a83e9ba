"""The pages people read, one module per resource, each with a module-level `router`.

A page module may import `hub` (its public functions), `web.deps` (the database, settings,
templates, the signed-in account, the event bus), `web.auth`, `web.forms`, `web.params`,
`web.templating` and `web.i18n`; never another page module but `journal_views` (what the
journal pages share). `web/app.py` includes every router.
"""
