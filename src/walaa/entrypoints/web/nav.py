"""The dashboard's menu: each screen adds one entry, shown to the roles that may open it."""

from __future__ import annotations

from dataclasses import dataclass

from walaa.domain.staff import Permission, Role, can


def N_(message: str) -> str:
    """Marks a msgid that is translated later, where it is shown (the catalog test finds it)."""
    return message


@dataclass(frozen=True)
class NavItem:
    path: str
    #: a msgid: translated when the menu is drawn
    label: str
    permission: Permission


NAV: list[NavItem] = [
    NavItem("/admin/overview", N_("Overview"), Permission.VIEW),
]


def add_screen(item: NavItem) -> None:
    """Put a screen in the menu (once, in the order screens are added)."""
    if all(existing.path != item.path for existing in NAV):
        NAV.append(item)


def visible_nav(role: Role) -> tuple[NavItem, ...]:
    return tuple(item for item in NAV if can(role, item.permission))
