"""OIDC federation: an identity provider id and an id token from one place, exchanged
with IAM for temporary keys.

The token is a file, read again for every exchange because CI systems rewrite it; or,
for Terraform's ``HW_ASSUME_ROLE_ID_TOKEN``, the token itself. Each place is one unit:
an id without a token, or a token without an id, is an error naming the place, never
completed from another. Each exchange happens once per process (``refreshing.shared``,
keyed by what identifies it) and refreshes itself before its keys expire.
"""

from __future__ import annotations

import hashlib
import os

import attrs

from ..errors import InvalidRequest
from . import iam
from .iam import IamEndpoint
from .keys import Credentials, IncompleteCredentials, Missing
from .places import Places
from .refreshing import RefreshingCredentials, shared
from .static import MappingSource

# The places of a federation, each one unit: (idp id names, token file names, token names).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "idp_id": ("idpId", "idp_id"),
    "id_token_file": ("idTokenFile", "id_token_file"),
}
HW_VARIABLES: dict[str, tuple[str, ...]] = {
    "idp_id": ("HW_ASSUME_ROLE_IDP_ID",),
    "id_token_file": ("HW_ASSUME_ROLE_ID_TOKEN_FILE",),
    "id_token": ("HW_ASSUME_ROLE_ID_TOKEN",),
}
SDK_VARIABLES: dict[str, tuple[str, ...]] = {
    "idp_id": ("HUAWEICLOUD_SDK_IDP_ID",),
    "id_token_file": ("HUAWEICLOUD_SDK_ID_TOKEN_FILE",),
}


@attrs.frozen
class IdToken:
    """An id token's place: a file named by ``name``, or the token itself (``value``)."""

    name: str  # the variable or stack-config key, as a message shows it
    path: str | None = None
    value: str = attrs.field(default="", repr=False)

    def read(self) -> str:
        """The token now; a missing, unreadable or empty file is a usage error naming it."""
        if self.path is None:
            return self.value.strip()
        path = os.path.expanduser(self.path)
        try:
            with open(path, "rb") as file:
                token = file.read().decode().strip()  # UTF-8, whatever the locale
        except FileNotFoundError:
            raise InvalidRequest(self.name, f"the id token file {path} does not exist") from None
        except (OSError, UnicodeError) as exc:
            raise InvalidRequest(
                self.name, f"cannot read the id token file {path}: {type(exc).__name__}"
            ) from None
        if not token:
            raise InvalidRequest(self.name, f"the id token file {path} is empty")
        return token


@attrs.frozen
class Exchange:
    """One federation: the id token read anew, exchanged for an unscoped token, then for
    temporary keys (the ``Fetcher`` that RefreshingCredentials refreshes)."""

    iam: IamEndpoint
    idp_id: str
    token: IdToken

    def fetch(self) -> Credentials:
        id_token = self.token.read()
        unscoped = iam.unscoped_token(self.iam, self.idp_id, id_token, self.token.name)
        what = f"identity provider {self.idp_id}'s temporary keys"
        source = f"federation with identity provider {self.idp_id} ({self.token.name})"
        return iam.keys_from_token(self.iam, unscoped, what, source)


@attrs.frozen
class FederationSource:
    """An identity provider id and its id token, from one place (stack config, or one
    family of environment variables), read as the place's keys are (``MappingSource``)."""

    place: MappingSource  # names: idp_id, id_token_file and, for Terraform's, id_token
    iam: IamEndpoint

    def lookup(self) -> RefreshingCredentials | Missing:
        found = self.place.found()
        if not found:
            return self.place.missing()
        names = self.place.names
        if "idp_id" not in found or set(found) == {"idp_id"}:
            have = [name for name, _ in found.values()]
            tokens = [self.place.shown(names[field][0]) for field in names if field != "idp_id"]
            lack = tokens if "idp_id" in found else [self.place.shown(names["idp_id"][0])]
            raise IncompleteCredentials(self.place.place, have, lack)
        idp_id = found["idp_id"][1]
        if "id_token_file" in found:
            token = IdToken(found["id_token_file"][0], path=found["id_token_file"][1])
        else:
            token = IdToken(found["id_token"][0], value=found["id_token"][1])
        # A token given inline is told apart by its digest, never kept as a key in clear.
        where = token.path or hashlib.sha256(token.value.encode()).hexdigest()
        key = ("federation", self.iam.url, idp_id, token.name, where)
        return shared(key, lambda: Exchange(self.iam, idp_id, token))


def federation_sources(places: Places, endpoint: IamEndpoint) -> dict[str, list[FederationSource]]:
    """The federation source of each place, keyed by the slot of the chain it follows."""
    slots: dict[str, list[FederationSource]] = {}
    if places.config is not None:
        prefix = f"{places.namespace}:"
        config = MappingSource("stack config", CONFIG_KEYS, places.config, key_prefix=prefix)
        slots["stack config"] = [FederationSource(config, endpoint)]
    for slot, names in (("environment HW", HW_VARIABLES), ("environment SDK", SDK_VARIABLES)):
        environ = MappingSource("environment", names, places.environ, shown_prefix="$")
        slots[slot] = [FederationSource(environ, endpoint)]
    return slots
