"""`/api/push-subscriptions`: a browser of the signed-in account subscribes to Web Push, or
stops. The settings page's script sends what `PushManager.subscribe` gave it."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from hub.services import web_push
from hub.store import notifications
from web.auth import require
from web.deps import Clock, CurrentUser, Db, SiteSettings
from web.errors import API_ERRORS

router = APIRouter(prefix="/api", responses=API_ERRORS)
chooser = [Depends(require("notifications.own"))]


class SubscriptionKeys(BaseModel):
    p256dh: str = Field(max_length=128, description="The browser's P-256 key (base64url, 65 bytes)")
    auth: str = Field(max_length=64, description="The browser's auth secret (base64url, 16 bytes)")


class NewSubscription(BaseModel):
    """What `PushSubscription.toJSON()` gives (`expirationTime` is ignored)."""

    endpoint: str = Field(max_length=web_push.MAX_ENDPOINT)
    keys: SubscriptionKeys


class Subscribed(BaseModel):
    id: int
    subscriptions: int = Field(description="How many browsers of this account now get pushes")


class Unsubscribe(BaseModel):
    endpoint: str = Field(max_length=web_push.MAX_ENDPOINT)


class Unsubscribed(BaseModel):
    removed: bool
    subscriptions: int


@router.post("/push-subscriptions", status_code=201, summary="This browser gets pushes", dependencies=chooser)
def subscribe(
    db: Db, settings: SiteSettings, user: CurrentUser, clock: Clock, sent: NewSubscription
) -> Subscribed:
    found = web_push.parse_subscription(sent.model_dump(), allow_local=settings.push_allow_local_endpoints)
    subscription_id = notifications.add_subscription(
        db, user.id, found.endpoint, found.p256dh, found.auth, clock()
    )
    return Subscribed(id=subscription_id, subscriptions=len(notifications.subscriptions_of(db, user.id)))


@router.post("/push-subscriptions/remove", summary="This browser gets no more pushes", dependencies=chooser)
def unsubscribe(db: Db, user: CurrentUser, sent: Unsubscribe) -> Unsubscribed:
    removed = notifications.remove_subscription(db, user.id, sent.endpoint)
    return Unsubscribed(removed=removed, subscriptions=len(notifications.subscriptions_of(db, user.id)))
