"""A set of credentials, taken as one unit: AK/SK (with a security token when
temporary) or an IAM token, never pieced together from two places.

Secrets live only in ``Credentials``, whose repr hides them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import attrs

from .. import signer
from ..errors import InvalidRequest

# The credential fields of each source, in the order a message names them.
FIELDS = ("access_key", "secret_key", "security_token", "auth_token")


@attrs.frozen
class Credentials:
    """AK/SK (optionally temporary, with a security token) or an IAM token, and where
    they came from. ``source`` and ``expires_at`` are not secret."""

    access_key: str | None = attrs.field(default=None, repr=False)
    secret_key: str | None = attrs.field(default=None, repr=False)
    security_token: str | None = attrs.field(default=None, repr=False)
    auth_token: str | None = attrs.field(default=None, repr=False)
    source: str = ""
    expires_at: float | None = None

    @property
    def kind(self) -> str:
        return "aksk" if self.access_key and self.secret_key else "token"

    def current(self) -> Credentials:
        """The credentials to sign the next request with: these, as they never change."""
        return self

    def authorize(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> dict[str, str]:
        """``headers`` (which hold Host) plus what proves who sends the request: an
        SDK-HMAC-SHA256 signature (and X-Security-Token for temporary keys), or X-Auth-Token."""
        if self.access_key and self.secret_key:
            sent = dict(headers)
            if self.security_token:
                sent["X-Security-Token"] = self.security_token
            date = signer.sdk_date(datetime.now(timezone.utc))
            return signer.sign(
                method, path, query, sent, body, self.access_key, self.secret_key, date
            )
        assert self.auth_token  # a Credentials holds one kind or the other (see unit)
        return {**headers, "X-Auth-Token": self.auth_token}

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, source={self.source!r}, secrets hidden)"


@attrs.frozen
class Missing:
    """Why a source gave no credentials: the place read and what was missing there."""

    place: str
    reason: str

    def __str__(self) -> str:
        return f"{self.place} ({self.reason})"


class IncompleteCredentials(InvalidRequest):
    """A source holds part of a set of credentials; the rest is never taken elsewhere."""

    def __init__(self, place: str, have: Sequence[str], lack: Sequence[str]) -> None:
        self.place = place
        super().__init__(
            "credentials",
            f"{place} has {' and '.join(have)} but not {' or '.join(lack)}; credentials are "
            "taken as one set from the first place that has any, never mixed from two: "
            "complete them there, or remove them",
        )


def unit(found: Mapping[str, tuple[str, str]], place: str) -> Credentials | None:
    """One complete set from ``found`` (field -> (name, value)), None when it is empty."""
    if not found:
        return None
    names = {field: name for field, (name, _) in found.items()}
    values = {field: value for field, (_, value) in found.items()}
    if "access_key" in values and "secret_key" in values:
        return Credentials(
            access_key=values["access_key"],
            secret_key=values["secret_key"],
            security_token=values.get("security_token"),
            source=f"{place} ({', '.join(names[f] for f in FIELDS if f in names)})",
        )
    if set(values) == {"auth_token"}:
        return Credentials(
            auth_token=values["auth_token"], source=f"{place} ({names['auth_token']})"
        )
    have = [names[f] for f in FIELDS if f in names]
    lack = [f for f in ("access_key", "secret_key") if f not in values]
    raise IncompleteCredentials(place, have, lack)


def check_printable(credentials: Credentials) -> None:
    """Keys and tokens go into HTTP headers: printable ASCII only, named when not."""
    for field in FIELDS:
        value = getattr(credentials, field)
        if value is None:
            continue
        bad = next((i for i, c in enumerate(value) if not "!" <= c <= "~"), None)
        if bad is not None:
            raise InvalidRequest(
                field,
                f"from {credentials.source}: character {bad + 1} is not printable ASCII "
                "(keys and tokens are letters, digits and punctuation, without spaces)",
            )
