"""The parts of referral requests shared by /v1/referrals and the order body: the code as a
storefront captured it, and the signals the fraud rules compare."""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator

from walaa.entrypoints.http.schemas import Strict
from walaa.service.commands import ReferralSignals

CodeText = Annotated[
    str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9 -]+$", examples=["7KQ2M-XH4PA"])
]
Hash = Annotated[str, Field(min_length=1, max_length=128, description="A hash the store made")]


class SignalsIn(Strict):
    """What the store knows of the friend; every field is optional, and each one the store
    sends makes the fraud rules sharper."""

    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    phone: Annotated[str, Field(max_length=32, pattern=r"^[0-9+() .-]+$")] | None = None
    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    address_hash: Hash | None = Field(default=None, description="A hash of the shipping address")
    payment_hash: Hash | None = Field(default=None, description="The payment method's fingerprint")
    ip: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="IPv4 or IPv6"
    )
    device: Annotated[str, Field(min_length=1, max_length=128)] | None = Field(
        None, description="The storefront's device or cookie id"
    )

    @field_validator("ip")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise ValueError("must be an IPv4 or IPv6 address") from None

    def domain(self) -> ReferralSignals:
        return ReferralSignals(
            email=self.email,
            phone=self.phone,
            name=self.name,
            address_hash=self.address_hash,
            payment_hash=self.payment_hash,
            ip=self.ip,
            device=self.device,
        )
