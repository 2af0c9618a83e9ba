# Device entry point (runs after boot.py): the loader picks safe mode or the
# firmware slot, then starts the application (loader.py).
import loader

loader.main()
