"""Posting to a CoP's chat channel with Apprise: a Teams channel through a Workflows webhook (an Adaptive Card),
a Slack incoming webhook, Mattermost, Rocket.Chat, Discord, Matrix, or a generic JSON webhook (text).

Apprise reads the address (its grammar, the service's tokens) and writes the payload each service documents;
copflow decides what happens after a refusal, as it does for mail. Apprise reports only that a post failed, so the
reply is read where the HTTP exchange happens: while copflow posts (and only then), `requests.Session.send` hands
each reply to a context variable (`_replies`), from which the status, `Retry-After` and the reply's text are read.
A 429 (or a 503 with `Retry-After`) is `RateLimited`; another 5xx, a timeout or no answer `TemporaryFailure`; any
other 4xx `PermanentFailure` with the reply. The address is a secret: no error, log line or text made here holds
it (`shown` is how people see a channel); Apprise's own log is kept at WARNING, whose lines name no address.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode

from lifecycle.errors import CopflowError
from notifications.transports import PermanentFailure, SlowDown, TemporaryFailure

# The services a channel may be, by Apprise's plugin (what people see them called, and whether the host is theirs
# to show: a self-hosted server's is, a webhook's host on a cloud service says nothing).
SERVICES: dict[str, tuple[str, bool]] = {
    "NotifyWorkflows": ("Microsoft Teams (Workflows)", False),
    "NotifySlack": ("Slack", False),
    "NotifyMattermost": ("Mattermost", True),
    "NotifyRocketChat": ("Rocket.Chat", True),
    "NotifyDiscord": ("Discord", False),
    "NotifyMatrix": ("Matrix", True),
    "NotifyJSON": ("JSON webhook", True),
}
# Apprise options that make it read a file of this machine (a payload template, an attachment): an address set by
# a lead must never make copflow read, and post, a local file.
LOCAL_FILE_OPTIONS = ("template", "attach", "attachment")
MAX_ADDRESS = 2000
MAX_REPLY = 300  # of a refusal's reply kept with the parked post
# A channel is read by people outside the CoP: no address of anyone's is posted, even one typed into a reason.
EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class BadChannel(CopflowError):
    """An address copflow cannot post to; the message never repeats the address."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"channel: {problem}", field="channel")
        self.problem = problem


class RateLimited(SlowDown):
    """The channel's service asked copflow to wait (429, or 503 with Retry-After): `retry_after` seconds, when it
    said how long."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(TemporaryFailure):
    """The channel's service failed (a 5xx): try again later, not before `retry_after` seconds when it said."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ChatPost:
    """A post as it is sent: a title, a few lines of text, and its one link (the hub, the CoP's entry, the survey)
    with its label."""

    title: str
    text: str
    link: str
    label: str

    def as_text(self) -> str:
        """The text with its link on the last line, for services that show plain text (a URL alone is linked)."""
        return f"{self.text.rstrip()}\n\n{self.label}: {self.link}"


@dataclass(frozen=True)
class Channel:
    service: str  # Apprise's plugin class name
    shown: str  # "Microsoft Teams (Workflows), #3f9a2c1b": never the address


def read(address: str) -> Channel:
    """What Apprise makes of the address, if it is one of the services copflow posts to (BadChannel otherwise)."""
    plugin = _plugin(address)
    name, own_host = SERVICES[type(plugin).__name__]
    host = f" at {plugin.host}" if own_host and plugin.host else ""
    return Channel(type(plugin).__name__, f"{name}{host}, #{fingerprint(address)}")


def fingerprint(address: str) -> str:
    """Eight hex digits that tell two channels apart without revealing either."""
    return hashlib.sha256(address.strip().encode("utf-8")).hexdigest()[:8]


def _plugin(address: str, extra: dict[str, str] | None = None) -> Any:
    import apprise

    _quiet()
    text = address.strip()
    if not text or len(text) > MAX_ADDRESS or any(c.isspace() or not c.isprintable() for c in text):
        raise BadChannel(f"give the channel's address (an Apprise URL or the webhook's https address, one line of "
                         f"at most {MAX_ADDRESS} characters)")
    from apprise.utils.parse import parse_url

    options = (parse_url(text, verify_host=False) or {}).get("qsd") or {}  # type: ignore[no-untyped-call]
    if any(str(k).lower().startswith(LOCAL_FILE_OPTIONS) for k in options):  # as Apprise reads them: decoded
        raise BadChannel("an address may not name a template or an attachment (files of this server)")
    if extra:
        text = f"{text}{'&' if '?' in text else '?'}{urlencode(extra, quote_via=quote)}"
    plugin = apprise.Apprise.instantiate(text)
    if plugin is None or type(plugin).__name__ not in SERVICES:
        raise BadChannel("not an address copflow can post to: give a Teams Workflows webhook's or a Slack incoming "
                         "webhook's address, or an Apprise URL of another service it posts to (docs/chat.md)")
    # copflow retries, and paces itself (copflow/services/mail/posts.py): Apprise makes one attempt, at once.
    plugin.retry = 0
    plugin.request_rate_per_sec = 0
    return plugin


def _quiet() -> None:
    """Apprise logs a request's full address at DEBUG, and so does urllib3 (each request's line): Apprise never
    below WARNING, and urllib3's lines below WARNING dropped while copflow posts, whatever the root logger says."""
    logger = logging.getLogger("apprise")
    if logger.level < logging.WARNING:
        logger.setLevel(logging.WARNING)
    pool = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _WhilePosting) for f in pool.filters):
        pool.addFilter(_WhilePosting())


class _WhilePosting(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or _replies.get() is None


def render(kind: str, context: dict[str, Any]) -> ChatPost:
    """A post from templates/chat/<kind>.title.j2 and .txt.j2, through the one environment, with the context's
    `link` and its `link_label`."""
    from notifications.templating import environment  # Jinja2 loads only when a post is composed

    env = environment()
    title = EMAIL.sub("(an address)", " ".join(env.get_template(f"chat/{kind}.title.j2").render(context).split()))
    text = EMAIL.sub("(an address)", env.get_template(f"chat/{kind}.txt.j2").render(context).strip())
    return ChatPost(title, text, str(context["link"]), str(context["link_label"]))


def card_template() -> str:
    from notifications.templating import templates_dir

    return str(templates_dir() / "chat" / "teams_card.json")


class Poster:
    """Posts through Apprise, one attempt each, sorting the reply into copflow's transport errors."""

    def __init__(self, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def post(self, address: str, post: ChatPost) -> None:
        from apprise import NotifyFormat

        service = read(address).service
        if service == "NotifyWorkflows":  # an Adaptive Card: title, text and the link as a button
            plugin = _plugin(address, {"template": card_template(), ":link": post.link, ":label": post.label})
            body, form = post.text, NotifyFormat.MARKDOWN
        else:
            plugin, body, form = _plugin(address), post.as_text(), NotifyFormat.TEXT
        plugin.socket_connect_timeout = plugin.socket_read_timeout = self.timeout
        name = SERVICES[service][0]
        with _watching() as replies:
            ok = plugin.notify(body=body, title=post.title, body_format=form)
        reply = replies[-1] if replies else None
        if ok and (reply is None or reply.status_code < 300):
            return
        raise _refusal(name, reply, address)


def _refusal(name: str, reply: Any, address: str) -> Exception:
    if reply is None:
        return TemporaryFailure(f"{name} did not answer (no connection, or no answer within the time allowed)")
    status = int(reply.status_code)
    text = _scrub(" ".join((reply.text or "").split()), address)[:MAX_REPLY]
    line = f"{name} answered {status} {reply.reason or ''}".rstrip() + (f": {text}" if text else "")
    wait = _retry_after(reply.headers.get("Retry-After"))
    if status == 429 or (status == 503 and wait is not None):
        return RateLimited(line, wait)
    if status >= 500 or status in (408, 425):
        return Unavailable(line, wait)
    if status >= 400:
        return PermanentFailure(line)
    return TemporaryFailure(line)  # a 2xx Apprise did not take for success (Slack's "ok" missing), a 3xx


def _scrub(reply: str, address: str) -> str:
    """A reply that echoes the request (an error page quoting the path) without the address's secret parts."""
    for part in sorted(set(re.split(r"[/?&=:#@]+", address)), key=len, reverse=True):
        if len(part) >= 8:
            reply = reply.replace(part, "…")
    return reply


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or an HTTP date (RFC 9110 10.2.3), at most a day; None if absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), 86400.0)
    try:
        from datetime import UTC, datetime

        when = parsedate_to_datetime(text)
        return max(0.0, min((when - datetime.now(UTC)).total_seconds(), 86400.0))
    except (TypeError, ValueError):
        return None


# --- the HTTP replies, while copflow posts -------------------------------------------------------------------

_replies: ContextVar[list[Any] | None] = ContextVar("copflow_chat_replies", default=None)


@contextmanager
def _watching() -> Iterator[list[Any]]:
    _watch_replies()
    seen: list[Any] = []
    token = _replies.set(seen)
    try:
        yield seen
    finally:
        _replies.reset(token)


def _watch_replies() -> None:
    """Once per process: `requests.Session.send` also hands its reply to the context variable when one is set (a
    post in progress in this thread); otherwise it is unchanged."""
    import requests

    send = requests.Session.send
    if getattr(send, "_copflow_watch", False):
        return

    @functools.wraps(send)
    def watched(self: Any, request: Any, **kwargs: Any) -> Any:
        reply = send(self, request, **kwargs)
        seen = _replies.get()
        if seen is not None:
            seen.append(reply)
        return reply

    watched._copflow_watch = True  # type: ignore[attr-defined]
    requests.Session.send = watched  # type: ignore[method-assign]
