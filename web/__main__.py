"""`python -m web`: the same as the `ewidencjoner` command."""

from web.cli import main

main()
