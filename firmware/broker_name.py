# The broker's address when it is given by a name, not an IP address.
#
# socket.getaddrinfo() blocks: an lwIP DNS timeout is ~7 s a server, the watchdog 8 s.
# So the name is looked up at most once a boot, with the watchdog fed right before; a
# good answer is kept for the boot and written to `addr_file` (flash); a failed lookup
# falls back to the last good address from that file. A lookup is tried again (after
# `retry_ms`) only if it failed fast (no network, no such name): a slow failure may be
# the timeout that, repeated, would reset the reader. mqtt.py imports this module only
# for a name, so a reader configured with an IP address carries none of it.
import socket
import time

from micropython import const

from mqtt import is_ip

_FAST_MS = const(2000)  # a lookup that failed faster than this may be tried again
_RETRY_MS = const(300000)


def _ip_text(sa):
    # getaddrinfo's address: ("1.2.3.4", port) on the ESP32, a raw sockaddr_in
    # (family, port, 4 address bytes) on the unix port
    if isinstance(sa, tuple):
        return sa[0]
    return "%d.%d.%d.%d" % (sa[4], sa[5], sa[6], sa[7])


class BrokerName:
    def __init__(self, host, port, addr_file=None):
        self.host = host
        self.port = port
        self.addr_file = addr_file
        self.fast_ms = _FAST_MS
        self.retry_ms = _RETRY_MS
        self.lookups = 0  # getaddrinfo calls so far
        self.dns_ms = -1  # how long the last lookup blocked
        self.last_error = None
        self._ip = None  # the answer of this boot, as text
        self._next = time.ticks_ms()  # when a lookup may be tried
        self._again = True  # False after a slow failure: not again this boot

    def last_good(self):
        try:
            with open(self.addr_file) as f:
                host, ip = f.read().split()
        except (OSError, TypeError, ValueError):
            return None
        return ip if host == self.host and is_ip(ip) else None  # never a name: no lookup

    def address(self, now, feed=None):
        """The broker's IP address as text, or None when none is known."""
        if self._ip is not None:
            return self._ip
        if not self._again or time.ticks_diff(now, self._next) < 0:
            return self.last_good()
        if feed is not None:
            feed()  # the lookup gets the whole watchdog period
        self.lookups += 1
        t = time.ticks_ms()
        ip = None
        try:
            ip = _ip_text(socket.getaddrinfo(self.host, self.port)[0][-1])
        except (OSError, IndexError) as e:
            self.last_error = "dns %s" % e
        self.dns_ms = time.ticks_diff(time.ticks_ms(), t)
        if ip is not None and is_ip(ip):
            self._ip = ip
            if self.addr_file and self.last_good() != ip:
                try:
                    with open(self.addr_file, "w") as f:
                        f.write("%s %s\n" % (self.host, ip))
                except OSError:
                    pass
            return ip
        if self.dns_ms < self.fast_ms:
            self._next = time.ticks_add(time.ticks_ms(), self.retry_ms)
        else:
            self._again = False  # slow: the timeout, maybe; not again this boot
        return self.last_good()
