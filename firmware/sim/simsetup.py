# The loader's set-up mode in the simulator, as setup_ap.main() on a device: the page on
# the TCP port in the flash dir's sim-setup-port (a device's is 80). A module of its own
# so the simulated reader in service carries none of it.
import board
import settings
import setup_ap


def main(why):
    cfg = settings.load()
    with open("sim-setup-port") as f:
        port = int(f.read())
    setup_ap.run(board.Board(cfg), cfg, why, port)  # restarts when saved or timed out
