"""The workshop commands: ``workshop serve`` (the live workshop until Ctrl-C) and ``workshop stop``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cxassess.cli.common import at_least, questionnaire_arg
from cxassess.scoring import MIN_GROUP_SIZE


def add_workshop_commands(sub: Any) -> None:
    """Register ``workshop serve`` and ``workshop stop`` on the main parser's subparsers."""
    p = sub.add_parser("workshop",
                       help="serve a live workshop: participants join on their phones, results on the projector")
    wsub = p.add_subparsers(dest="workshop_command", metavar="ACTION", required=True)
    w = wsub.add_parser("serve", help="serve the participant app and the projector page (until Ctrl-C)")
    w.add_argument("--client", required=True, metavar="NAME", help="the client's name (also names the session file)")
    questionnaire_arg(w)
    w.add_argument("--attributes", metavar="FILE",
                   help="YAML or JSON: attribute name -> choices, e.g. role: [Manager, Front-line staff]")
    w.add_argument("--session", metavar="FILE", help="session file (default sessions/<client slug>.sqlite)")
    w.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for the room's Wi-Fi)")
    w.add_argument("--port", type=at_least(0), default=8765, help="port (default 8765; 0 picks a free one)")
    w.add_argument("--public-url", metavar="URL", help="the address phones use, when it differs (e.g. http://laptop.local:8765)")
    w.add_argument("--min-group-size", type=at_least(1), default=MIN_GROUP_SIZE, metavar="N",
                   help="results and groups are shown only from N participants (default %(default)s)")
    w.set_defaults(func=cmd_workshop_serve)
    w = wsub.add_parser("stop", help="stop the workshop server started for a client in another terminal")
    w.add_argument("--client", metavar="NAME", help="the client's name, as given to serve")
    w.add_argument("--session", metavar="FILE", help="or the session file")
    w.set_defaults(func=cmd_workshop_stop)


def cmd_workshop_serve(args: argparse.Namespace) -> int:
    from cxassess.workshop.serve import load_attributes, serve

    attributes = load_attributes(args.attributes) if args.attributes else None
    server = serve(args.client, args.questionnaire, args.session, attributes, host=args.host, port=args.port,
                   min_group_size=args.min_group_size, public_url=args.public_url, background=False)

    def announce(ready) -> None:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(f"Serving on the network ({args.host}): anyone on this Wi-Fi with the join link can take part.",
                  file=sys.stderr)
        print(ready.qr_text())
        print(ready.status_text())
        print("Stop with Ctrl-C (or 'cxassess workshop stop' from another terminal); every answer is already saved.",
              flush=True)

    server.run(on_ready=announce)
    print("workshop server stopped", file=sys.stderr)
    return 0


def cmd_workshop_stop(args: argparse.Namespace) -> int:
    from cxassess.workshop.serve import stop_server
    from cxassess.workshop.widgets import default_session_file

    path = args.session or default_session_file(args.client)
    pid = stop_server(path)
    print(f"stopped the workshop server (process {pid})", file=sys.stderr)
    return 0
