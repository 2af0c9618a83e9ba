"""The JSON API under `/api`, one module per resource, each with a module-level `router`.

An API module may import `hub` (its public functions), `web.deps`, `web.auth`,
`web.params` and `web.errors`; it renders no template. `web/app.py` includes every router.
"""
