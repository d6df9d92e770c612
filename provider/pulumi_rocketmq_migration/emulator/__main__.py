"""Run the emulator: ``python -m pulumi_rocketmq_migration.emulator --help``."""

from .cli import main

raise SystemExit(main())
