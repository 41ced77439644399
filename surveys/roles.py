"""Who a resident is to a flat: the owner, a member of the owner's family, or a tenant. Only
owners take part in formal votes (Civil Code art. 278); a survey's audience may name any."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    FAMILY = "family"
    TENANT = "tenant"
