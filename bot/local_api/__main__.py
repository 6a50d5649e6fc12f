import sys

from bot.local_api.cli import main

sys.exit(main())
