# Set-up without a cable: the reader opens its own access point ("ewidencjoner-XXXXXX",
# open) and serves one small page at http://192.168.4.1/: Wi-Fi name and password, the
# hub's address, the reader id and the reader's MQTT password (printed by `ewidencjoner
# reader new-login ID`). Saving writes config.json atomically (a temporary file, then a
# rename) and restarts the reader, which then connects with its own login; the hub lists
# it as waiting to be registered until `ewidencjoner readers add ID` (firmware/README.md,
# "Set-up without a cable").
#
# When: a reader with no Wi-Fi settings (app.main()); a configured one only when someone
# at the reader asks (the BOOT button held 3 s at boot, or the `setup` flag file:
# loader.py), or when settings saved here never reached the broker within
# boot_loop_s (app.py, fwstate.stable()). A configured reader's page closes after setup_s unsaved.
#
# The lock: a reader whose hub settings (address, id, password) have worked, or came by
# cable, is not redirected by whoever can press its button. Its page changes the Wi-Fi
# name and password freely (the network renamed: the case this page is for) but the
# hub's address, the reader id or the password only with the reader's current password
# (which the director has from `reader new-login`, or `reader provision`), and
# after _MAX_MISSES wrong ones not at all until the next boot.
#
# No watchdog runs here and nothing reads cards: the reader is not in service.
# Portal.handle() is the whole HTTP side, bytes in and bytes out, so the unix port's
# tests drive it through a real socket (tests/firmware/test_setup_ap.py).
import json
import os
import socket
import time

import settings

_FIELDS = ("wifi_ssid", "wifi_pass", "broker_host", "reader_id", "mqtt_pass")
_HUB = ("broker_host", "reader_id", "mqtt_pass")  # what the lock guards
_SECRET = ("wifi_pass", "mqtt_pass", "mqtt_pass_now")  # never shown, never stripped
_MAX_REQUEST = 2048
_MAX_MISSES = 5
# Settings saved here that have not reached the broker yet (app.py removes it at a
# connection, app.py reopens the page while it is there): {"hub": true when
# the hub's address, the reader id or its password are new too}.
FRESH = "setup_new"


def _unquote(s):
    # application/x-www-form-urlencoded (MicroPython has no urllib)
    s = s.replace("+", " ")
    out = bytearray()
    i = 0
    raw = s.encode()
    while i < len(raw):
        c = raw[i]
        if c == 0x25 and i + 2 < len(raw):  # %XX
            try:
                out.append(int(raw[i + 1 : i + 3], 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(c)
        i += 1
    return out.decode()


def parse_form(body):
    fields = {}
    for pair in body.split("&"):
        if "=" in pair:
            k, v = pair.split("=", 1)
            fields[_unquote(k)] = _unquote(v)
    return fields


def _esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _only(s, extra, longest):
    # ASCII letters and digits plus `extra`, 1..longest characters
    return 1 <= len(s) <= longest and all(
        ord(ch) < 128 and (ch.isalpha() or ch.isdigit() or ch in extra) for ch in s
    )


def check(fields):
    """The first problem with the submitted fields as (field, Polish / English text), or None."""
    ssid = fields.get("wifi_ssid", "")
    if not 1 <= len(ssid.encode()) <= 32:
        return "wifi_ssid", "Nazwa sieci: 1–32 znaki / Wi-Fi name: 1–32 characters"
    pw = fields.get("wifi_pass", "")
    if not 8 <= len(pw.encode()) <= 63:
        return "wifi_pass", "Hasło Wi-Fi (WPA2): 8–63 znaki / Wi-Fi password (WPA2): 8–63 characters"
    if not _only(fields.get("broker_host", ""), ".-", 253):
        return "broker_host", "Adres huba: IP lub nazwa / Hub address: an IP address or a name"
    if not _only(fields.get("reader_id", ""), "_-", 32):
        return "reader_id", "Identyfikator: litery, cyfry, _ i -, do 32 / Reader id: letters, digits, _ and -"
    if not fields.get("mqtt_pass"):
        return "mqtt_pass", "Hasło czytnika jest wymagane / The reader's password is required"
    return None


def fresh(path=FRESH):
    """The marker of settings saved here and not yet accepted by the broker ({"hub":
    bool}), or None: the settings have worked, or came by cable."""
    try:
        with open(path) as f:
            v = json.load(f)
    except OSError:
        return None
    except ValueError:
        v = None
    return v if isinstance(v, dict) else {"hub": False}  # unreadable: the page keeps its lock


class Portal:
    """The set-up page over config.json (path `config`); `fresh` is fresh()."""

    def __init__(self, cfg, config="config.json", fresh=None):
        self.cfg = cfg
        self.config = config
        self.saved = False
        # locked: the reader has Wi-Fi settings and a password, and its hub settings are
        # not the untried ones of an earlier visit to this page
        self.locked = bool(cfg.get("wifi_ssid") and cfg.get("mqtt_pass")) and not (fresh or {}).get("hub")
        self.misses = 0

    def page(self, values, error=None):
        rows = [
            ("wifi_ssid", "Sieć Wi-Fi (2,4 GHz) / Wi-Fi name", "text"),
            ("wifi_pass", "Hasło Wi-Fi / Wi-Fi password", "password"),
            ("broker_host", "Adres huba / Hub address", "text"),
            ("reader_id", "Identyfikator czytnika / Reader id", "text"),
            ("mqtt_pass", "Hasło czytnika (reader new-login) / Reader's password", "password"),
        ]
        if self.locked:
            new = "Nowe hasło czytnika, puste: bez zmian / New reader's password, empty: kept"
            rows[4] = ("mqtt_pass", new, "password")
            rows.append(
                (
                    "mqtt_pass_now",
                    "Obecne hasło czytnika: tylko do zmiany huba, identyfikatora lub hasła"
                    " / The reader's current password: only to change the hub, the id or the password",
                    "password",
                )
            )
        parts = [
            "<!doctype html><html lang=pl><meta charset=utf-8>",
            "<meta name=viewport content='width=device-width'>",
            "<title>ewidencjoner</title><h1>Konfiguracja czytnika / Reader set-up</h1>",
        ]
        if error:
            parts.append("<p role=alert>%s</p>" % _esc(error[1]))
        parts.append("<form method=post action=/>")
        for name, label, kind in rows:
            value = "" if kind == "password" else _esc(values.get(name, ""))
            bad = " aria-invalid=true" if error and error[0] == name else ""
            need = "" if self.locked and name in ("mqtt_pass", "mqtt_pass_now") else " required"
            parts.append(
                '<p><label for=%s>%s</label><br><input id=%s name=%s type=%s value="%s"%s%s></p>'
                % (name, label, name, name, kind, value, bad, need)
            )
        parts.append("<button>Zapisz / Save</button></form>")
        return "".join(parts)

    def save(self, fields):
        try:
            with open(self.config) as f:
                cfg = json.load(f)
        except (OSError, ValueError):
            cfg = {}
        for k in _FIELDS:
            cfg[k] = fields[k]
        cfg["mqtt_user"] = fields["reader_id"]  # the broker's ACL: user name = reader id
        # untried until the broker accepts them (app.py); the lock stays if the hub's didn't change
        hub_new = not self.locked or not self._same_hub(fields)
        self._write(FRESH, {"hub": hub_new})
        self._write(self.config, cfg)
        self.saved = True

    def _write(self, path, obj):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(obj, f)
        os.rename(tmp, path)  # atomic: the old file or the new one, never half

    def _same_hub(self, fields):
        return all(fields[k] == (self.cfg.get(k) or "") for k in _HUB)

    def proof(self, fields):
        """A locked page's refusal to change the hub's settings without the reader's
        current password, as check() says it; None when allowed."""
        if not self.locked or self._same_hub(fields):
            return None
        if self.misses >= _MAX_MISSES:
            return (
                "mqtt_pass_now",
                "Za dużo błędnych haseł: uruchom czytnik ponownie"
                " / Too many wrong passwords: restart the reader",
            )
        if fields.get("mqtt_pass_now") == self.cfg.get("mqtt_pass"):
            return None
        self.misses += 1
        return (
            "mqtt_pass_now",
            "Zmiana huba, identyfikatora lub hasła wymaga obecnego hasła czytnika"
            " / Changing the hub, the id or the password needs the reader's current password",
        )

    def handle(self, request):
        """One HTTP request (bytes) -> the response (bytes)."""
        try:
            head, _, body = request.decode().partition("\r\n\r\n")
            method, path = head.split(" ", 2)[:2]
        except (UnicodeError, ValueError):
            return self._reply("400 Bad Request", "bad request")
        if method == "GET":
            values = {k: self.cfg.get(k) or "" for k in _FIELDS if k not in ("wifi_pass", "mqtt_pass")}
            return self._reply("200 OK", self.page(values))
        if method != "POST" or path != "/":
            return self._reply("405 Method Not Allowed", "GET or POST /")
        fields = parse_form(body)
        for k in _FIELDS:
            fields[k] = fields.get(k, "") if k in _SECRET else fields.get(k, "").strip()
        if self.locked and not fields["mqtt_pass"]:
            fields["mqtt_pass"] = self.cfg["mqtt_pass"]  # empty: kept
        error = check(fields) or self.proof(fields)
        if error:
            return self._reply("422 Unprocessable Entity", self.page(fields, error))
        self.save(fields)
        done = (
            "<!doctype html><html lang=pl><meta charset=utf-8><title>ewidencjoner</title>"
            "<h1>Zapisano / Saved</h1><p>Czytnik uruchamia się ponownie i łączy z %s. "
            "The reader restarts and joins %s.</p>"
        ) % (_esc(fields["wifi_ssid"]), _esc(fields["wifi_ssid"]))
        return self._reply("200 OK", done)

    def _reply(self, status, html):
        body = html.encode()
        head = "HTTP/1.0 %s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n"
        return (head % (status, len(body))).encode() + b"Connection: close\r\n\r\n" + body

    def serve_one(self, listener, timeout_s=10):
        """Accept one connection, answer it; a slow or broken client is dropped."""
        try:
            conn, _addr = listener.accept()
        except OSError:  # the listener's timeout: the caller looks at its clock
            return
        try:
            conn.settimeout(timeout_s)
            data = b""
            while b"\r\n\r\n" not in data and len(data) < _MAX_REQUEST:
                chunk = conn.recv(512)
                if not chunk:
                    break
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].lower()
            want = 0
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    try:
                        want = int(line[15:].strip())
                    except ValueError:
                        want = 0
            body_len = len(data) - len(head) - 4
            while body_len < want and len(data) < _MAX_REQUEST:
                chunk = conn.recv(512)
                if not chunk:
                    break
                data += chunk
                body_len += len(chunk)
            conn.sendall(self.handle(data))
        except OSError:
            pass
        finally:
            conn.close()


def listen(port=80, host="0.0.0.0"):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(socket.getaddrinfo(host, port)[0][-1])
    s.listen(2)
    return s


def run(board, cfg, why=None, port=80):
    """Open the access point and serve the page until the settings are saved (or, on a
    configured reader, setup_s has passed), then restart. `why`: the loader's reason."""
    essid = "ewidencjoner-" + board.uid_hex()[-6:]
    board.ap_start(essid)
    board.led("blue")  # the page is open (safe mode is white; in service blue is brief)
    portal = Portal(cfg, fresh=fresh())
    listener = listen(port)
    listener.settimeout(1)
    end = time.ticks_add(time.ticks_ms(), cfg.get("setup_s", 600) * 1000) if cfg.get("wifi_ssid") else None
    print("EV setup", why or "new", essid, "locked" if portal.locked else "open")
    while not portal.saved:
        if end is not None and time.ticks_diff(end, time.ticks_ms()) <= 0:
            print("EV setup timeout")
            break
        portal.serve_one(listener)
    listener.close()
    if portal.saved:
        print("EV setup saved")
    board.reset()


def main(why):
    """Set-up mode chosen by the loader (main.py): without the reader's own modules."""
    import board

    cfg = settings.load()
    run(board.Board(cfg), cfg, why)
