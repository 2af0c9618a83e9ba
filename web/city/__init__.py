"""The gmina's panel (`ewidencjoner city panel`): an app of its own over the city's
PostgreSQL, for the gmina officers, beside the sites' journals (which it never touches).

It reuses the site's look (`web/templates/base.html`, `static/`), languages, error pages,
security headers and request limits; its sign-in is the officers' own (`auth.py`). See
web/README.md, "The gmina's panel".
"""
