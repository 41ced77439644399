"""The joining buttons' payloads (prefixes are in residents' chats: keep them). Every id in
them is checked again against the scanned code and the database."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from storage.models import Role


class PickBuilding(CallbackData, prefix="jb"):
    building_id: int


class PickUnit(CallbackData, prefix="ju"):
    unit_id: int


class PickFlat(CallbackData, prefix="jf"):
    household_id: int


class PickRole(CallbackData, prefix="jr"):
    household_id: int
    role: Role


class DecideClaim(CallbackData, prefix="cd"):
    """A committee member's decision on a claim, or on an owner's ownership."""

    membership_id: int
    approve: bool


class UnlinkResident(CallbackData, prefix="ul"):
    """A committee member ends a resident's link to a flat (moved out, approved by mistake)."""

    membership_id: int
