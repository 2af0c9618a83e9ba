"""Web Push (RFC 8030, 8291, 8292): the site's VAPID key, checking a browser's subscription,
and sending one encrypted push with `pywebpush`.

A subscription's endpoint is an address the hub will POST to, given by a browser, so by
whoever is logged in: without a check it could make the hub call the internal network (the
router's admin page, the broker). So an endpoint must be `https://` to a name that resolves
only to public addresses, checked when it is given and again before each push (a name may
change what it resolves to), and redirects are not followed. `push_allow_local_endpoints`
lifts this for the tests and the demo, whose push service is on this machine.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException
from requests.exceptions import RequestException
from requests.sessions import Session

from hub.config import Settings
from hub.refusal import N_, Refusal

MAX_ENDPOINT = 1024
"""Browsers' endpoints are a few hundred characters."""
SEND_TIMEOUT_S = 10
TTL_S = 4 * 3600
"""How long a push service keeps a push for a phone that is off: news older is no news."""
GONE = (404, 410)
VAPID_VALID_S = 12 * 3600
VAPID_REUSE_S = 3600


@dataclass(frozen=True)
class Subscription:
    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class PushGone(Exception):
    """The push service no longer knows the subscription (404, 410): forget it."""


class PushFailed(Exception):
    """This push did not go; try again later."""


def parse_subscription(data: object, *, allow_local: bool) -> Subscription:
    """A browser's `PushSubscription.toJSON()` checked, or a refusal saying what is wrong."""
    if not isinstance(data, dict):
        raise Refusal("push.malformed", N_("This is not a push subscription."))
    endpoint, keys = data.get("endpoint"), data.get("keys")
    if not isinstance(endpoint, str) or not isinstance(keys, dict):
        raise Refusal("push.malformed", N_("This is not a push subscription."))
    check_endpoint(endpoint, allow_local=allow_local, resolve=False)
    p256dh = _key(keys.get("p256dh"), 65)
    auth = _key(keys.get("auth"), 16)
    if not p256dh.startswith(b"\x04"):
        raise Refusal("push.bad_key", N_("The subscription's keys are not valid."))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh)
    except ValueError as exc:
        raise Refusal("push.bad_key", N_("The subscription's keys are not valid.")) from exc
    return Subscription(endpoint, _b64(p256dh), _b64(auth))


def check_endpoint(endpoint: str, *, allow_local: bool, resolve: bool) -> None:
    """Refuse an endpoint the hub must not post to (see the module docstring)."""
    if len(endpoint) > MAX_ENDPOINT:
        raise Refusal("push.endpoint_too_long", N_("The push address is longer than %(max)s characters."),
                      max=MAX_ENDPOINT)  # fmt: skip
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (a bad port raises)
    except ValueError as exc:
        raise Refusal("push.endpoint", N_("The push address is not a push service's address.")) from exc
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise Refusal("push.endpoint", N_("The push address is not a push service's address."))
    if allow_local:
        return
    if parts.scheme != "https":
        raise Refusal("push.endpoint", N_("The push address is not a push service's address."))
    addresses = _literal(host)
    if addresses is None and host.lower().rstrip(".") in ("localhost", "localhost.localdomain"):
        addresses = [ipaddress.ip_address("127.0.0.1")]
    if addresses is None and resolve:
        try:
            found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise PushFailed(f"cannot resolve {host}: {exc}") from exc
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if addresses and not all(address.is_global for address in addresses):
        raise Refusal("push.endpoint", N_("The push address is not a push service's address."))


def _literal(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        return None


def _key(value: object, size: int) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * size:
        raise Refusal("push.bad_key", N_("The subscription's keys are not valid."))
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise Refusal("push.bad_key", N_("The subscription's keys are not valid.")) from exc
    if len(raw) != size:
        raise Refusal("push.bad_key", N_("The subscription's keys are not valid."))
    return raw


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_key(settings: Settings) -> Vapid:
    """The site's VAPID key: the file's, made (owner-only, 0600) at first use."""
    path = settings.vapid_key_path
    if not path.exists():
        make_vapid_key(path)
    return Vapid.from_pem(path.read_bytes())


def make_vapid_key(path: Path) -> bool:
    """Write a new VAPID private key to `path` unless one is there; True when made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return True


def public_key(vapid: Vapid) -> str:
    """The `applicationServerKey` a browser subscribes with (base64url, uncompressed point)."""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(raw)


def vapid_subject(settings: Settings) -> str:
    """Whom the push service may write to about our pushes (RFC 8292 `sub`)."""
    if settings.mail_from:
        return f"mailto:{settings.mail_from}"
    if settings.public_url.startswith("https://"):
        return settings.public_url.rstrip("/")
    return "mailto:ewidencjoner@localhost"


def new_session() -> Session:
    """A session that keeps connections to push services open and follows no redirect. The
    environment's proxies are read once here, not at every push (that cost a push 2 ms)."""
    session = Session()
    session.max_redirects = 0
    session.trust_env = False
    session.proxies.update(getproxies())
    return session


class VapidHeaders:
    """The VAPID `Authorization` header per push service, signed once and reused for an hour
    (the token itself is valid for 12): a push service is one of a handful of origins."""

    def __init__(self, vapid: Vapid, subject: str) -> None:
        self.vapid = vapid
        self.subject = subject
        self._signed: dict[str, tuple[float, dict[str, str]]] = {}
        self._lock = threading.Lock()

    def for_endpoint(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        with self._lock:
            kept = self._signed.get(audience)
            if kept is None or now - kept[0] > VAPID_REUSE_S:
                claims = {"sub": self.subject, "aud": audience, "exp": int(now) + VAPID_VALID_S}
                kept = (now, self.vapid.sign(claims))
                self._signed[audience] = kept
        return dict(kept[1])


def send(
    session: Session,
    subscription: Subscription,
    payload: dict[str, str],
    vapid: VapidHeaders,
    settings: Settings,
) -> None:
    """Encrypt (RFC 8291, aes128gcm) and post one push; `PushGone` or `PushFailed` when it did not go."""
    check_endpoint(subscription.endpoint, allow_local=settings.push_allow_local_endpoints, resolve=True)
    try:
        response = WebPusher(subscription.info(), requests_session=session).send(
            json.dumps(payload, ensure_ascii=False),
            vapid.for_endpoint(subscription.endpoint),
            ttl=TTL_S,
            content_encoding="aes128gcm",
            timeout=SEND_TIMEOUT_S,
        )
    except (WebPushException, RequestException) as exc:
        raise PushFailed(f"{type(exc).__name__}: {exc}"[:300]) from exc
    if response.status_code in GONE:
        raise PushGone(f"HTTP {response.status_code}")
    if response.status_code > 202:
        raise PushFailed(f"HTTP {response.status_code}")
