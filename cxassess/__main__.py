import sys

from cxassess.cli.main import main

sys.exit(main())
