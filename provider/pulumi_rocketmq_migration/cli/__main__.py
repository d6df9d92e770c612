"""``python -m pulumi_rocketmq_migration.cli``: the same as the ``rocketmq-migration`` script."""

from .run import main

raise SystemExit(main())
