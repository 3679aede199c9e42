"""Who a person is, as far as the store's signals tell: e-mails, phones, hashed shipping
addresses and payment fingerprints, names. Everything is compared in a normal form, so
`Sara.Ahmed+shop@GMail.com` and `saraahmed@googlemail.com` are one mailbox.

E-mail normal form, by provider (the part before `@` is the local part):

* every address: trimmed and lower-cased (providers treat mailboxes case-blind);
* gmail.com and googlemail.com: dots in the local part are dropped and everything from the
  first `+` is dropped; googlemail.com becomes gmail.com (Google delivers all of them to one
  mailbox);
* outlook.com, hotmail.com, live.com, msn.com, icloud.com, me.com, mac.com, yahoo.com,
  proton.me, protonmail.com, fastmail.com, hey.com: everything from the first `+` is dropped
  (sub-addressing); dots are kept, since these providers treat them as letters;
* any other domain is left as written (lower-cased): its own rules are unknown.

Phones: digits only, and only the last 9 are compared, so `+966 55 123 4567` and
`0551234567` are one number (Saudi and Egyptian mobile numbers are told apart by their last
9 digits; the country and trunk prefixes vary with how the customer typed them).
Names: Unicode-normalised, accents and Arabic diacritics dropped, case-folded, spaces squeezed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_DOTS_AND_TAGS = frozenset({"gmail.com", "googlemail.com"})
_TAGS_ONLY = frozenset(
    {
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "yahoo.com",
        "proton.me",
        "protonmail.com",
        "fastmail.com",
        "hey.com",
    }
)
PHONE_DIGITS = 9


def normalise_email(address: str) -> str:
    """The mailbox an address delivers to, in the normal form described above."""
    text = address.strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local:
        return text
    if domain in _DOTS_AND_TAGS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    elif domain in _TAGS_ONLY:
        local = local.split("+", 1)[0]
    return f"{local}@{domain}"


def normalise_phone(phone: str) -> str:
    """The last 9 digits of the number (all of them when it has fewer)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[-PHONE_DIGITS:]


def normalise_name(name: str) -> str:
    """A name without case, accents, Arabic diacritics or repeated spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.casefold().split())


def local_part(email: str) -> str:
    return email.rpartition("@")[0] or email


@dataclass(frozen=True, slots=True)
class Identity:
    """One customer as the signals describe them, every value in its normal form. A customer
    may have several of each (two e-mails, an old and a new address)."""

    customer_id: str
    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    addresses: frozenset[str] = field(default_factory=frozenset)
    payments: frozenset[str] = field(default_factory=frozenset)
    names: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        customer_id: str,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        addresses: Iterable[str] = (),
        payments: Iterable[str] = (),
        names: Iterable[str] = (),
    ) -> Identity:
        """An identity from raw signals, normalising each (empty values are dropped)."""
        return cls(
            customer_id,
            frozenset(normalise_email(e) for e in emails if e.strip()),
            frozenset(p for p in (normalise_phone(x) for x in phones) if p),
            frozenset(a.strip() for a in addresses if a.strip()),
            frozenset(p.strip() for p in payments if p.strip()),
            frozenset(n for n in (normalise_name(x) for x in names) if n),
        )

    def shared_with(self, other: Identity) -> list[str]:
        """The kinds of signal the two have in common: email, phone, address, payment."""
        pairs = (
            ("email", self.emails, other.emails),
            ("phone", self.phones, other.phones),
            ("address", self.addresses, other.addresses),
            ("payment", self.payments, other.payments),
        )
        return [kind for kind, mine, theirs in pairs if mine & theirs]
