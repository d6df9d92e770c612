"""Where credentials come from: the chain (chain.py) and each of its sources, one module
each, with the refresh of temporary keys and the IAM calls beside them.

This package keeps every name the single module ``credentials`` had, so code (and any
state) that names ``pulumi_rocketmq_migration.credentials.X`` still finds it; new code
imports from the module that holds a name.
"""

from __future__ import annotations

from .chain import Source, find, find_credentials, sources
from .keys import FIELDS, Credentials, IncompleteCredentials, Missing, check_printable, unit
from .koocli import (
    ENCRYPTED_HINT,
    PROFILE_KEYS,
    PROFILE_VARIABLE,
    SHARED_CONFIG_KEYS,
    SHARED_CONFIG_VARIABLE,
    KooCliProfile,
    KooCliSource,
    koocli_location,
    load_koocli_profile,
)
from .metadata import (
    METADATA_DEFAULT,
    METADATA_OFF,
    METADATA_TIMEOUT,
    METADATA_VARIABLE,
    NO_AGENCY,
    SECURITY_KEY_PATH,
    TOKEN_HEADER,
    TOKEN_PATH,
    TOKEN_TTL_HEADER,
    TOKEN_TTL_SECONDS,
    MetadataService,
    MetadataSource,
    metadata_endpoint,
)
from .places import Places
from .refreshing import (
    REFRESH_MARGIN,
    Fetcher,
    MetadataUnavailable,
    RefreshingCredentials,
    parse_expiry,
    shared,
)
from .sdk_file import (
    SDK_FILE_SECTION,
    SDK_FILE_VARIABLE,
    SdkFileSource,
    SdkProfile,
    load_sdk_profile,
    sdk_file_path,
)
from .static import CONFIG_KEYS, CONFIG_NAMESPACE, HW_VARIABLES, SDK_VARIABLES, MappingSource

__all__ = [
    "CONFIG_KEYS",
    "CONFIG_NAMESPACE",
    "ENCRYPTED_HINT",
    "FIELDS",
    "HW_VARIABLES",
    "METADATA_DEFAULT",
    "METADATA_OFF",
    "METADATA_TIMEOUT",
    "METADATA_VARIABLE",
    "NO_AGENCY",
    "PROFILE_KEYS",
    "PROFILE_VARIABLE",
    "REFRESH_MARGIN",
    "SDK_FILE_SECTION",
    "SDK_FILE_VARIABLE",
    "SDK_VARIABLES",
    "SECURITY_KEY_PATH",
    "SHARED_CONFIG_KEYS",
    "SHARED_CONFIG_VARIABLE",
    "TOKEN_HEADER",
    "TOKEN_PATH",
    "TOKEN_TTL_HEADER",
    "TOKEN_TTL_SECONDS",
    "Credentials",
    "Fetcher",
    "IncompleteCredentials",
    "KooCliProfile",
    "KooCliSource",
    "MappingSource",
    "MetadataService",
    "MetadataSource",
    "MetadataUnavailable",
    "Missing",
    "Places",
    "RefreshingCredentials",
    "SdkFileSource",
    "SdkProfile",
    "Source",
    "check_printable",
    "find",
    "find_credentials",
    "koocli_location",
    "load_koocli_profile",
    "load_sdk_profile",
    "metadata_endpoint",
    "parse_expiry",
    "sdk_file_path",
    "shared",
    "sources",
    "unit",
]
