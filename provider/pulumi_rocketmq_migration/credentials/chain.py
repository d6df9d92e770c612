"""Where credentials come from: one chain of sources, walked in order.

    1. arguments          only where a caller takes key arguments (the Python API)
    2. stack config       huaweicloud:accessKey / secretKey / securityToken
                          (or access_key / secret_key / security_token)
       ... federation     huaweicloud:idpId + idTokenFile (federation.py)
    3. environment HW_*   HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN; or HW_AUTH_TOKEN
       ... federation     HW_ASSUME_ROLE_IDP_ID + HW_ASSUME_ROLE_ID_TOKEN_FILE (or _ID_TOKEN)
    4. environment SDK    HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN
       ... federation     HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE
    5. KooCLI config.json only when huaweicloud:sharedConfigFile or HW_SHARED_CONFIG_FILE
                          names one; profile huaweicloud:profile, HW_PROFILE, else ``current``
    6. SDK credentials    HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials, [basic]
    7. ECS metadata       the instance agency's temporary keys, refreshed before they expire;
                          its address is HW_METADATA_ENDPOINT (default http://169.254.169.254)

A place's federation follows that place's keys: a pipeline that sets both in one
place gets the keys. With an agency to assume (huaweicloud:assumeRole, or
HW_ASSUME_ROLE_AGENCY_NAME and a domain), whatever this chain finds only signs the
assume call (agency.AssumeRoleSource).

Credentials come as one unit from the first source that holds any key or token:
a source that holds only part of a set (an access key without its secret key) is an
error that names it, never a set pieced together from two places. Each source is a
small object whose ``lookup`` answers "credentials, or why not"; the reasons of the
sources passed over make the "no credentials" message, in order, and name only the
places that were actually read.

Each source has its module beside this one: static.py (arguments, stack config, the
environment), federation.py, koocli.py, sdk_file.py, metadata.py and agency.py; keys.py
holds the unit (``Credentials``, whose repr hides the secrets), refreshing.py the
temporary keys' refresh and the process's cache, iam.py the IAM calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..errors import CredentialsNotFound
from .agency import AssumeRoleSource, agency_to_assume
from .federation import federation_sources
from .iam import IamEndpoint
from .keys import FIELDS, Credentials, Missing, check_printable
from .koocli import KooCliSource
from .metadata import MetadataSource, metadata_endpoint
from .places import Places
from .refreshing import RefreshingCredentials
from .sdk_file import SdkFileSource
from .static import CONFIG_KEYS, HW_VARIABLES, SDK_VARIABLES, MappingSource


class Source(Protocol):
    """One place credentials may come from."""

    def lookup(self) -> Credentials | RefreshingCredentials | Missing:
        """The credentials held here, or why there are none; raises when a set is partial."""
        ...


def sources(places: Places, keyless: Mapping[str, Sequence[Source]] | None = None) -> list[Source]:
    """The chain, in order; a place that is not there (no stack config, no KooCLI file
    named, metadata switched off) is not in it, so no message names it.

    ``keyless`` holds the federation sources (federation.py) by the slot each follows:
    ``stack config``, ``environment HW`` or ``environment SDK``.
    """
    after = keyless or {}
    chain: list[Source] = []
    given = {f: places.explicit.get(f) for f in FIELDS if places.explicit.get(f) not in (None, "")}
    if given:
        chain.append(MappingSource("arguments", {f: (f,) for f in FIELDS}, given))
    if places.config is not None:
        prefix = f"{places.namespace}:"
        chain.append(MappingSource("stack config", CONFIG_KEYS, places.config, key_prefix=prefix))
        chain.extend(after.get("stack config", ()))
    chain.append(MappingSource("environment", HW_VARIABLES, places.environ, shown_prefix="$"))
    chain.extend(after.get("environment HW", ()))
    chain.append(MappingSource("environment", SDK_VARIABLES, places.environ, shown_prefix="$"))
    chain.extend(after.get("environment SDK", ()))
    if places.koocli is not None:
        chain.append(KooCliSource(places.koocli))
    if places.sdk_file is not None:
        chain.append(SdkFileSource(places.sdk_file))
    endpoint = metadata_endpoint(places.environ)
    if endpoint is not None:
        chain.append(MetadataSource(endpoint))
    return chain


def find(chain: Sequence[Source]) -> Credentials | RefreshingCredentials:
    """The first source's credentials; else CredentialsNotFound naming each place read."""
    missing: list[Missing] = []
    for source in chain:
        found = source.lookup()
        if isinstance(found, Missing):
            missing.append(found)
            continue
        check_printable(found.current())
        return found
    raise CredentialsNotFound(tuple(str(m) for m in missing))


def find_credentials(places: Places, iam: IamEndpoint) -> Credentials | RefreshingCredentials:
    """The chain's credentials, federation in it; with an agency to assume, the agency's
    keys, asked for with what the rest of the chain found."""
    chain = sources(places, federation_sources(places, iam))
    agency = agency_to_assume(places)
    if agency is None:
        return find(chain)
    return find([AssumeRoleSource(find(chain), agency, iam)])
