"""The emulator CLI with TCP_NODELAY on its connections, for timing clients against it.

The stock emulator writes an answer's headers and body in two ``send`` calls. With Nagle's
algorithm on, the second waits for the client's delayed ACK of the first (about 40 ms on
Linux), so every request costs ~45 ms whatever the client does, which would hide every
difference between clients. ``python -m benchmarks.emulator_nodelay`` takes the same
arguments as ``python -m pulumi_rocketmq_migration.emulator``.
"""

from __future__ import annotations

import sys

from pulumi_rocketmq_migration.emulator import cli, server


def main() -> int:
    server._Handler.disable_nagle_algorithm = True
    return cli.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
