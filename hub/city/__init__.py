"""The gmina tier (issue 16): what a kindergarten's hub sends its city, and the city's side.

`events` turns the site's stored taps and audited changes into the city's events (no
child's name, address or card leaves the site); `site_link` sends them in order to the
city's NATS JetStream, resuming from the last acknowledged one.
The city package may import services, the store, the rules and the basics; never
accounts, reports, the CLI or the web (checked by `lint-imports`, see pyproject.toml).
"""
