"""The `gongjiang` console command: Django's management commands and the platform's own."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongjiang.settings")
    from django.core.management import execute_from_command_line

    argv = ["gongjiang", *sys.argv[1:]]
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
