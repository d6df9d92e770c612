"""What the credential chain (and the settings) may read, the files read once."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .koocli import KooCliProfile, koocli_location, load_koocli_profile
from .sdk_file import SdkProfile, load_sdk_profile, sdk_file_path
from .static import CONFIG_NAMESPACE


@attrs.frozen
class Places:
    """What the chain may read: given arguments, stack config (None where there is none,
    as in the CLI) and the environment. Files are read once and shared with settings.

    ``namespace`` is the stack config's: ``huaweicloud`` for the Python lookups, as
    pulumi-huaweicloud names its keys, and the package's own for the provider plugin.
    """

    explicit: Mapping[str, Any]
    config: Mapping[str, Any] | None
    environ: Mapping[str, str]
    koocli: KooCliProfile | None
    sdk_file: SdkProfile | None
    namespace: str = CONFIG_NAMESPACE

    @classmethod
    def read(
        cls,
        explicit: Mapping[str, Any] | None,
        config: Mapping[str, Any] | None,
        environ: Mapping[str, str],
        namespace: str = CONFIG_NAMESPACE,
    ) -> Places:
        location = koocli_location(config, environ, namespace)
        koocli = load_koocli_profile(*location) if location else None
        path = sdk_file_path(environ)
        sdk_file = load_sdk_profile(path) if path else None
        return cls(explicit or {}, config, environ, koocli, sdk_file, namespace)
