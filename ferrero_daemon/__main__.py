import sys

from ferrero_daemon.cli import main

sys.exit(main())
