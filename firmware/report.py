# The reader's status report: the retained `status` message (DESIGN.md, the wire
# contract) that the hub's readers page and `readers list` show, and from which the
# hub's update server learns which version runs and whether it is on trial.
import gc


def status_text(r):
    """The status of Reader `r`, as JSON text."""
    # Collected first: uncollected garbage would make a healthy reader look short of
    # heap. A collection of an ESP32's ~100 KB heap takes a few ms, once per status.
    gc.collect()
    return (
        '{"online":true,"fw":"%s","ota":"%s","boot":%d,"queue":%d,"rssi":%d,"heap":%d,"up":%d,'
        '"rfid":"%s","rfid_ver":%d,"resets":%d,"clock":%s,"clock_src":"%s","journal":"%s"}'
        % (
            r.slot["ver"],
            ota_state(r),
            r.boot,
            r.journal.pending(),
            r.board.rssi(),
            gc.mem_free(),
            r.up_ms // 1000,
            "ok" if r.rfid_ok else "fail",
            r.rfid.version,
            r.rfid.resets,
            "true" if r.clock.t0 is not None else "false",
            r.clock_src,
            "full" if r.journal.full() else "ok",
        )
    )


def ota_state(r):
    """Where the running version stands: on trial, an update under way, rolled back, ok."""
    if not r.slot.get("ok"):
        return "trial"
    if r.ota is not None and r.ota.busy():
        return r.ota.state
    if r.slot.get("rolled"):
        return "rolled-back"
    return "ok"
