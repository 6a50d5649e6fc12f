import sys

from bot.local_api.server import main

sys.exit(main())
