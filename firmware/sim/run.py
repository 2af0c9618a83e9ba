# Run the real reader firmware on the MicroPython unix port against the MFRC522
# simulator. Not deployed to readers.
#
#   cd <flash dir with config.json> && micropython -X heapsize=100000 <fw>/sim/run.py [FWDIR]
#
# FWDIR (default: this file's parent folder) holds the firmware as .py or .mpy
# (FWDIR/sim the simulator). With a 100 KB heap use the mpy-cross bundle: the
# compiler alone needs more RAM than the firmware, just as on a device.
# The current directory plays the reader's flash: config.json, journal/, the
# update slots fw/ (loader.py), and the simulator's own files: sim-button (GPIOs
# whose buttons are pressed at boot, "0" or "0:MS" held MS), sim-reset (the last run
# reset itself) and sim-setup-port (the set-up page's TCP port, EV setup <why>).
# In safe mode (EV safe <why>) only ping, state ("EV state safe") and exit work.
#
# Control channel: one command per line on stdin (read without blocking, between
# loop steps). Answers and firmware events are lines on stdout starting "EV ".
#   place UID[,UID...]     cards enter the field (4/7/10-byte UIDs in hex)
#   remove [UID]           a card (or all cards) leaves the field
#   tap UID [HOLD_MS]      place, and remove after HOLD_MS (default 300)
#   wifi up|down           Wi-Fi association
#   fault NAME [N]         drop | back | fifo | pd | notimer | timer |
#                          parity N | protocol N | crc N | bcc N | removeafter N |
#                          version HEX
#   ping                   answers "EV pong" (a barrier: earlier lines are done)
#   state                  answers "EV state boot next_seq pending mqtt taps"
#   hang                   stop feeding the watchdog (it resets the "device" once armed)
#   exit                   leave at once, exit status 0
#   crash                  an uncaught exception: the loader resets the "device" (status 4)
# End of stdin (the parent went away) exits too.
import gc
import sys

_here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
_fw = sys.argv[1] if len(sys.argv) > 1 else _here + "/.."
sys.path.insert(0, _fw)
sys.path.insert(0, _fw + "/sim")

import fake_machine  # noqa: E402
import fake_network  # noqa: E402

sys.modules["machine"] = fake_machine
sys.modules["network"] = fake_network

import loader  # noqa: E402

_st = loader.start()  # in safe mode it has printed EV safe <why>
del sys.modules["loader"], sys.modules["fwstate"]  # as main.py: the application imports what it needs
del loader
gc.collect()  # as main.py
if _st is None:
    import simctl

    simctl.safe_mode()
else:
    try:  # as the device's main.py: a crash resets the "device"
        if _st.get("setup"):
            import simsetup

            simsetup.main(_st["setup"])
        import simctl

        simctl.main(_st)
    except Exception as e:
        sys.print_exception(e)
        print("EV crash", e)
        fake_machine.reset()
