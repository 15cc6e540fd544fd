import sys

from cxassess.cli import main

sys.exit(main())
