from cxassess.cli.main import entry

entry()
