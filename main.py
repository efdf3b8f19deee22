import sys

import cathlog.app

sys.exit(cathlog.app.main())
