# A `network` stand-in for the unix port. The real sockets go straight to the
# host's network; this only models the Wi-Fi association (the runner's
# "wifi down" command makes isconnected() false).
STA_IF = 0
AP_IF = 1
AUTH_OPEN = 0
up = True


class WLAN:
    PM_NONE = 0

    def __init__(self, iface=STA_IF):
        self._active = False
        self.pm = None

    def active(self, v=None):
        if v is None:
            return self._active
        self._active = bool(v)
        return None

    def connect(self, ssid=None, key=None, **kw):
        self._active = True

    def disconnect(self):
        pass

    def isconnected(self):
        return self._active and up

    def status(self, param=None):
        if param == "rssi":
            return -55
        return 1010 if self.isconnected() else 1001

    def config(self, *args, **kw):
        if "pm" in kw:
            self.pm = kw["pm"]
        if args and args[0] == "mac":
            return b"\x24\x0a\xc4\x00\x00\x01"
        return None
