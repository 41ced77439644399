"""Single use of what signs a person in on the web: a one-time link's nonce, a Mini App
launch's initData hash. The first use inserts the nonce; a second finds it and is refused.
A nonce is kept until its token could no longer be accepted anyway, then forgotten."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class UsedNonce(Base):
    __tablename__ = "used_signin_nonces"

    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    # When the token it came from expires: until then a second use must be refused.
    expires_at: Mapped[datetime] = mapped_column(index=True)


async def use_once(session: AsyncSession, nonce: str, expires_at: datetime, now: datetime) -> bool:
    """Record the nonce as used; False if it was used before (a replay)."""
    await session.execute(delete(UsedNonce).where(UsedNonce.expires_at <= now))
    try:
        async with session.begin_nested():
            session.add(UsedNonce(nonce=nonce, expires_at=expires_at))
    except IntegrityError:
        return False
    return True
