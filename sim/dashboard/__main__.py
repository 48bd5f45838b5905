"""``python -m sim.dashboard [--port N]``: serve the live dashboard on this machine until Ctrl-C.

Bad input gets one line (``error: --port = 'abc' is not a port: allowed a whole number 0-65535``)
and exit status 2, as every command of the project does.
"""

from __future__ import annotations

import argparse
import logging
import sys

PORT = 5006  # Bokeh's and Panel's usual port


class _Parser(argparse.ArgumentParser):
    """argparse with the project's one-line error instead of usage and two lines."""

    def error(self, message: str) -> None:
        self.exit(2, f"error: {message}: see python -m sim.dashboard --help\n")


def port_number(text: str) -> int:
    """A TCP port: 0 (any free port) to 65535."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        print(
            f"error: --port = {text!r} is not a port: allowed a whole number 0-65535 (0: any free port)",
            file=sys.stderr,
        )
        sys.exit(2)
    return port


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = _Parser(
        prog="python -m sim.dashboard",
        description="Serve the live dashboard (sliders, Play/Step/Reset, charts) at http://localhost:PORT. "
        "Works offline: every script comes from the installed packages.",
    )
    parser.add_argument("--port", type=port_number, default=PORT, help=f"TCP port (default {PORT}; 0: any free port)")
    parser.add_argument(
        "--address",
        default="localhost",
        help="address to listen on (default localhost; 0.0.0.0 lets the classroom's machines connect)",
    )
    return parser.parse_args(argv)


def _quiet_closed_tabs(loop, context: dict) -> None:
    """asyncio's handler, less the writes to a tab that closed meanwhile (tornado logs each as a traceback)."""
    from tornado.iostream import StreamClosedError
    from tornado.websocket import WebSocketClosedError

    if isinstance(context.get("exception"), StreamClosedError | WebSocketClosedError):
        return
    loop.default_exception_handler(context)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:  # after the arguments: a typo in them answers at once
        import panel as pn
    except ImportError:
        print(
            "error: the dashboard needs Panel: pip install -e '.[dashboard]' (make setup installs it)", file=sys.stderr
        )
        return 3  # the environment, as in sim/runner/errors.py

    from sim.dashboard.app import page

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    try:
        server = pn.serve(
            page,
            port=args.port,
            address=args.address,
            websocket_origin="*" if args.address not in ("localhost", "127.0.0.1") else None,
            show=False,
            start=False,
            verbose=False,
            title="fashion-sim dashboard",
            # a closed tab's session (its model and its Play timer) goes within about 2 s, not Bokeh's 15-32 s
            check_unused_sessions_milliseconds=1000,
            unused_session_lifetime_milliseconds=1000,
        )
    except OSError as error:  # the port is taken, or the address is not this machine's
        print(
            f"error: --port = {args.port}: cannot listen there ({error.strerror}): allowed a free port", file=sys.stderr
        )
        return 2
    host = "localhost" if args.address in ("localhost", "0.0.0.0", "127.0.0.1") else args.address
    print(f"dashboard: http://{host}:{server.port}/ (Ctrl-C stops it)", flush=True)
    server.io_loop.asyncio_loop.set_exception_handler(_quiet_closed_tabs)
    server.start()
    server.io_loop.start()  # until Ctrl-C (Panel's handler stops the loop)
    print("dashboard: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
