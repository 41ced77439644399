"""Flood limits, injected faults and send statistics: off by default, set through the control API.

Everything takes `now` (a monotonic clock reading) from the caller so it stays deterministic.
"""

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# "delay": the call succeeds after `delay` seconds (a timeout whose send landed);
# "hang": it fails after `delay` seconds and sends nothing (a timeout whose send was lost);
# "429": flood control, retry after `retry_after` s, on any method (getUpdates too);
# "too_old": the 400 Telegram gives a press answered too late (or already answered).
FAULT_KINDS = ("500", "502", "429", "delay", "hang", "blocked", "too_old")
ANY_SEND = "send"  # a fault's `method` that matches every send method


class TokenBucket:
    """`rate` tokens per second refill a bucket holding at most `burst`; each send takes one."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(burst, 1.0)
        self.tokens = self.capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Seconds until a token is available (0 if one is now), refilling first."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


@dataclass
class RateLimits:
    """Telegram's flood control: a global send rate across chats and a per-chat rate."""

    global_rate: float | None = None
    global_burst: float = 30
    per_chat_rate: float | None = None
    per_chat_burst: float = 3
    _global: TokenBucket | None = field(default=None, repr=False)
    _chats: dict[int, TokenBucket] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> "RateLimits":
        """Build from the control API's body; a missing or null rate turns that limit off."""
        limits = cls(
            global_rate=_positive_or_none(spec, "global_rate"),
            per_chat_rate=_positive_or_none(spec, "per_chat_rate"),
        )
        for name in ("global_burst", "per_chat_burst"):
            if spec.get(name) is not None:
                setattr(limits, name, float(spec[name]))
        return limits

    def record_press(self, chat_id: int, now: float) -> None:
        self._pressed_at.setdefault(chat_id, now)  # a second press waits with the first

    def record_reply(self, chat_id: int, now: float) -> None:
        pressed = self._pressed_at.pop(chat_id, None)
        if pressed is not None:
            self.reply_delays.append(now - pressed)

    def as_json(self) -> dict[str, Any]:
        return {
            "global_rate": self.global_rate,
            "global_burst": self.global_burst,
            "per_chat_rate": self.per_chat_rate,
            "per_chat_burst": self.per_chat_burst,
        }

    def acquire(self, chat_id: int, now: float) -> int:
        """Take a send slot for `chat_id`; return 0 on success, else the whole seconds to wait."""
        buckets = []
        if self.global_rate is not None:
            if self._global is None:
                self._global = TokenBucket(self.global_rate, self.global_burst, now)
            buckets.append(self._global)
        if self.per_chat_rate is not None:
            if chat_id not in self._chats:
                self._chats[chat_id] = TokenBucket(self.per_chat_rate, self.per_chat_burst, now)
            buckets.append(self._chats[chat_id])
        wait = max((bucket.wait_time(now) for bucket in buckets), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.take()
        return 0


def _positive_or_none(spec: dict[str, Any], name: str) -> float | None:
    value = spec.get(name)
    if value is None:
        return None
    if float(value) <= 0:
        raise ValueError(f"{name} must be positive or null")
    return float(value)


@dataclass
class Fault:
    """Calls of `method` (or of any send method) that misbehave as `kind`: the next `remaining`
    of them, or, with `probability` below 1, each with that chance drawn from an RNG seeded
    with `seed`, until `remaining` have misbehaved. `remaining` None: until cleared.

    A seeded fault fires on the same calls in every run however fast the machine is (the n-th
    matching call draws the n-th number), so a test asserts on how many fired, not on timing.
    """

    method: str
    kind: str  # one of FAULT_KINDS
    remaining: int | None = 1
    delay: float = 0.0
    retry_after: int = 1  # what a "429" asks for, in whole seconds as Telegram says it
    probability: float = 1.0
    seed: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> "Fault":
        kind = str(spec.get("kind", ""))
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}")
        count = spec.get("count", 1)
        fault = cls(
            method=str(spec.get("method", ANY_SEND)),
            kind=kind,
            remaining=None if count is None else int(count),
            delay=float(spec.get("delay", 0)),
            retry_after=int(spec.get("retry_after", 1)),
            probability=float(spec.get("probability", 1)),
            seed=int(spec.get("seed", 0)),
        )
        if (fault.remaining is not None and fault.remaining < 1) or (
            kind in ("delay", "hang") and fault.delay <= 0
        ):
            raise ValueError("a fault needs count >= 1, and a hang or delay fault a positive delay")
        if not 0 < fault.probability <= 1:
            raise ValueError("probability must be in (0, 1]")
        if fault.retry_after < 1:
            raise ValueError("retry_after must be a whole number of seconds >= 1")
        return fault

    def record_press(self, chat_id: int, now: float) -> None:
        self._pressed_at.setdefault(chat_id, now)  # a second press waits with the first

    def record_reply(self, chat_id: int, now: float) -> None:
        pressed = self._pressed_at.pop(chat_id, None)
        if pressed is not None:
            self.reply_delays.append(now - pressed)

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "kind": self.kind,
            "count": self.remaining,
            "delay": self.delay,
            "retry_after": self.retry_after,
            "probability": self.probability,
            "seed": self.seed,
        }

    def matches(self, method: str, is_send: bool) -> bool:
        return self.method.lower() == method.lower() or (is_send and self.method == ANY_SEND)

    def fires(self) -> bool:
        """Whether this matching call misbehaves; a call that passes still draws its number."""
        return self.probability >= 1 or self._rng.random() < self.probability


@dataclass
class FaultPlan:
    queue: list[Fault] = field(default_factory=list)

    def take(self, method: str, is_send: bool) -> Fault | None:
        """Consume one use of the first fault matching this call that fires, if any."""
        for fault in self.queue:
            if fault.matches(method, is_send) and fault.fires():
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self.queue.remove(fault)
                return fault
        return None


@dataclass
class Stats:
    """What a benchmark reads: accepted sends, refusals, sends repeating an earlier one, the
    accepted calls of each Bot API method, and how long each press waited for the bot's next
    message or edit in its chat (what the person waits for; the spinner's answer apart)."""

    sent: int = 0
    rate_limited: int = 0
    faults_injected: int = 0
    duplicates: int = 0
    first_send_at: float | None = None
    last_send_at: float | None = None
    calls: Counter[str] = field(default_factory=Counter)
    reply_delays: list[float] = field(default_factory=list)
    _seen: set[tuple[int, str]] = field(default_factory=set, repr=False)
    _pressed_at: dict[int, float] = field(default_factory=dict, repr=False)

    def record_send(self, chat_id: int, content_key: str, now: float) -> None:
        self.record_reply(chat_id, now)
        self.sent += 1
        if (chat_id, content_key) in self._seen:
            self.duplicates += 1
        self._seen.add((chat_id, content_key))
        self.first_send_at = now if self.first_send_at is None else self.first_send_at
        self.last_send_at = now

    def record_press(self, chat_id: int, now: float) -> None:
        self._pressed_at.setdefault(chat_id, now)  # a second press waits with the first

    def record_reply(self, chat_id: int, now: float) -> None:
        pressed = self._pressed_at.pop(chat_id, None)
        if pressed is not None:
            self.reply_delays.append(now - pressed)

    def as_json(self) -> dict[str, Any]:
        elapsed = (self.last_send_at or 0.0) - (self.first_send_at or 0.0)
        return {
            "sent": self.sent,
            "rate_limited": self.rate_limited,
            "faults_injected": self.faults_injected,
            "duplicates": self.duplicates,
            "calls": dict(self.calls),
            "reply_delays": self.reply_delays,
            "elapsed": elapsed,
            # sends per second between the first and the last accepted send
            "achieved_rate": (self.sent - 1) / elapsed if elapsed > 0 else None,
        }
