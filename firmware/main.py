# Device entry point (runs after boot.py). The loader decides safe mode and the
# firmware slot, then leaves memory; a crash of the application resets the chip
# (so a version on trial that crashes spends its boots and is rolled back).
# Ctrl-C (mpremote) is no Exception: it reaches the REPL.
import gc
import sys

import loader

_st = loader.start()
del sys.modules["loader"], sys.modules["fwstate"]  # the application imports what it needs
del loader
gc.collect()  # the loader's garbage, before the application's long-lived objects
if _st is not None:
    try:
        if _st.get("setup"):  # set-up mode (loader.py): the page only, the reader's modules stay out
            import setup_ap

            setup_ap.main(_st["setup"])
        import app

        app.main(_st)
    except Exception as e:
        sys.print_exception(e)
        print("EV crash", e)
        import board

        board.restart()
