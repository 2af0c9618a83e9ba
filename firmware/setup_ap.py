# Set-up without a cable: a reader with no Wi-Fi settings opens its own access point
# ("ewidencjoner-XXXXXX", open, only while unconfigured) and serves one small page at
# http://192.168.4.1/: Wi-Fi name and password, the hub's address, the reader id and the
# reader's MQTT password (printed by `ewidencjoner reader new-login ID`). Saving writes
# config.json atomically (a temporary file, then a rename) and restarts the reader, which
# then connects with its own login; the hub lists it as waiting to be registered until
# `ewidencjoner readers add ID` (firmware/README.md, "Set-up without a cable").
#
# No watchdog runs here and nothing reads cards: the reader is not in service yet.
# Portal.handle() is the whole HTTP side, bytes in and bytes out, so the unix port's
# tests drive it through a real socket (tests/firmware/test_setup_ap.py).
import json
import os
import socket

_FIELDS = ("wifi_ssid", "wifi_pass", "broker_host", "reader_id", "mqtt_pass")
_MAX_REQUEST = 2048


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


class Portal:
    """The set-up page over config.json (path `config`)."""

    def __init__(self, cfg, config="config.json"):
        self.cfg = cfg
        self.config = config
        self.saved = False

    def page(self, values, error=None):
        rows = (
            ("wifi_ssid", "Sieć Wi-Fi (2,4 GHz) / Wi-Fi name", "text"),
            ("wifi_pass", "Hasło Wi-Fi / Wi-Fi password", "password"),
            ("broker_host", "Adres huba / Hub address", "text"),
            ("reader_id", "Identyfikator czytnika / Reader id", "text"),
            ("mqtt_pass", "Hasło czytnika (reader new-login) / Reader's password", "password"),
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
            parts.append(
                '<p><label for=%s>%s</label><br><input id=%s name=%s type=%s value="%s"%s required></p>'
                % (name, label, name, name, kind, value, bad)
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
        tmp = self.config + ".tmp"
        with open(tmp, "w") as f:
            json.dump(cfg, f)
        os.rename(tmp, self.config)  # atomic: the old file or the new one, never half
        self.saved = True

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
            fields[k] = (
                fields.get(k, "").strip() if k not in ("wifi_pass", "mqtt_pass") else fields.get(k, "")
            )
        error = check(fields)
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
        conn, _addr = listener.accept()
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


def run(board, cfg):
    """Open the access point and serve the page until the settings are saved, then restart."""
    board.ap_start("ewidencjoner-" + board.uid_hex()[-6:])
    portal = Portal(cfg)
    listener = listen()
    print("EV setup ap")
    while not portal.saved:
        portal.serve_one(listener)
    listener.close()
    print("EV setup saved")
    board.reset()
