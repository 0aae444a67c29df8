"""What changed on an account between two observations, as "before → after" lines a person can read."""

from __future__ import annotations

from auditor.model import AccountSnapshot, DriftItem, Member, Observed

SIMPLE = ("status", "handle", "display_name", "linked_emails", "phone", "two_factor", "verification")


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(getattr(value, "value", value))


def _member_text(m: Member) -> str:
    return f"{m.name or m.email or m.platform_user_id} ({m.role.value}{', pendiente' if m.pending else ''})"


def drift(before: AccountSnapshot, after: AccountSnapshot) -> list[DriftItem]:
    """Changes between two successful snapshots; attributes not observed on both sides are not compared."""
    items: list[DriftItem] = []

    def add(attribute: str, old: str, new: str) -> None:
        items.append(
            DriftItem(
                institution=after.institution,
                account=after.account,
                platform=after.platform,
                attribute=attribute,
                before=old,
                after=new,
            )
        )

    for name in SIMPLE:
        old: Observed[object] = before.attribute(name)
        new: Observed[object] = after.attribute(name)
        if old.ok and new.ok:
            a = sorted(old.value) if isinstance(old.value, list) else old.value
            b = sorted(new.value) if isinstance(new.value, list) else new.value
            if a != b:
                add(name, _text(a), _text(b))
    if before.members.ok and after.members.ok:
        old_members = {m.platform_user_id: m for m in before.members.value or []}
        new_members = {m.platform_user_id: m for m in after.members.value or []}
        for uid in sorted(set(old_members) | set(new_members)):
            o, n = old_members.get(uid), new_members.get(uid)
            if o is None and n is not None:
                add("members", "—", _member_text(n))
            elif n is None and o is not None:
                add("members", _member_text(o), "—")
            elif o is not None and n is not None and (o.role, o.pending) != (n.role, n.pending):
                add("members", _member_text(o), _member_text(n))
    return items
