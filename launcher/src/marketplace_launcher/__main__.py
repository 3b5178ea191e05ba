import sys

from marketplace_launcher.cli import main

sys.exit(main())
