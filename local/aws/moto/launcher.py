"""Serves moto, with our fixes applied, for the local cloud.

    python launcher.py --host 127.0.0.1 --port 0 [--without-fix NAME]... [--exit-on-stdin-eof]

Prints exactly one line on stdout once the socket listens:

    LEDGER_MOTO_READY http://127.0.0.1:PORT fixes=lock,transact,eventbridge-sns,streams-iterators

and nothing else on stdout (logs go to stderr). With --port 0 the OS picks a
free port, which that line reports; this avoids the race of probing for a free
port first and binding it later.

It exits when its parent dies, so an interrupted test run or `npm start` does
not leave a server behind: always by polling the parent pid, and, with
--exit-on-stdin-eof, as soon as the parent's end of our stdin pipe closes.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

READY_PREFIX = "LEDGER_MOTO_READY"

# Bytecode of the fixes (and of moto, if not set by our caller) goes to the
# git-ignored state folder, never next to the sources, even when the launcher
# is run by hand.
if sys.pycache_prefix is None:
    sys.pycache_prefix = os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        ".local-cloud",
        "pycache",
    )


def _parse_args(argv: list[str]) -> argparse.Namespace:
    from fixes import FIXES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--without-fix",
        action="append",
        default=[],
        choices=sorted(FIXES),
        metavar="NAME",
        help=f"run upstream behaviour for this fix (repeatable): {', '.join(FIXES)}",
    )
    parser.add_argument(
        "--exit-on-stdin-eof",
        action="store_true",
        help="exit when stdin reaches EOF (the parent keeps a pipe open)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def _exit_now(*_: Any) -> None:
    # os._exit: moto holds no state worth flushing, and non-daemon request
    # threads must not keep the process alive.
    os._exit(0)


def _watch_parent() -> None:
    parent = os.getppid()
    if parent <= 1:
        return

    def poll() -> None:
        while True:
            time.sleep(1)
            # Once the parent dies we are re-parented (to init or a subreaper).
            if os.getppid() != parent:
                _exit_now()

    threading.Thread(target=poll, name="parent-watch", daemon=True).start()


def _watch_stdin() -> None:
    def wait_for_eof() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        _exit_now()

    threading.Thread(target=wait_for_eof, name="stdin-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(name)s: %(message)s")
    if not args.verbose:
        # werkzeug logs one line per request at INFO; at our request rates
        # that is most of the log and a measurable share of the CPU.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    # Every connection has a thread, and all but one wait on the request lock: a
    # thread whose socket is ready should get the interpreter within a
    # millisecond, not the default five, or small calls queue behind the handoff.
    sys.setswitchinterval(0.001)
    signal.signal(signal.SIGTERM, _exit_now)
    signal.signal(signal.SIGINT, _exit_now)
    _watch_parent()
    if args.exit_on_stdin_eof:
        _watch_stdin()

    from fixes import apply_fixes

    applied = apply_fixes(set(args.without_fix))

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from request_stats import counting
    from werkzeug.serving import make_server

    # The headers and the body of an answer go out in two writes; with Nagle's
    # algorithm on, the body can wait for the client's delayed ACK of the headers.
    MotoRequestHandler.disable_nagle_algorithm = True
    app = counting(DomainDispatcherApplication(create_backend_app))
    server = make_server(
        args.host,
        args.port,
        app,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    port = server.socket.getsockname()[1]
    # moto builds some self-referencing URLs from this (as its own server does).
    os.environ["MOTO_PORT"] = str(port)
    print(f"{READY_PREFIX} http://{args.host}:{port} fixes={','.join(applied) or '-'}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
