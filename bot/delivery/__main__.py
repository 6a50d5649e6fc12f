import sys

from bot.delivery.engine import main

sys.exit(main())
