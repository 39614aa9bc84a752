"""The command-line side of ``spmkit serve`` and ``spmkit dhis2``: options and start checks.

``cli.py`` registers the subcommands and calls these; the work is here, next to the
service and the DHIS2 mapping. Every bad start option is a :class:`UsageError` (exit 2)
naming the option and how to fix it, checked before anything is loaded.
"""

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Final

from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = ["add_serve_options", "positive", "read_token", "run_serve"]


def positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number above zero, else a clear error (exit 2)."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = 0
        if not value > 0:
            msg = tr("give a number above 0 (got {text!r})", text=text)
            raise argparse.ArgumentTypeError(msg)
        return value

    parse.__name__ = kind.__name__
    return parse


_LIMITS: Final[tuple[tuple[str, Callable[[str], float], float, str], ...]] = (
    ("--max-body-bytes", int, 1_048_576, "largest request body in bytes (413 above)"),
    ("--max-rows", int, 10_000, "most rows of one batch (413 above)"),
    ("--max-cells", int, 2_000_000, "most cells of an uploaded sheet, counted first (413)"),
    ("--timeout-request", float, 60.0, "seconds a client may take to send its body (408)"),
    ("--timeout-idle", float, 5.0, "seconds an idle keep-alive connection is kept open"),
)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``spmkit serve``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument(
        "--token-file",
        metavar="PATH",
        help="require 'Authorization: Bearer <token>' with the token in this file "
        "(else from the SPMKIT_TOKEN environment variable, if set; a blank one refuses)",
    )
    for option, kind, default, what in _LIMITS:
        parser.add_argument(
            option,
            type=positive(kind),
            default=default,
            metavar="SECONDS" if kind is float else "N",
            help=what,
        )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser origin allowed to call the service (repeatable), "
        "e.g. https://dashboard.dinkes.example",
    )
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="DIR",
        help="a folder of the office's own rule files to serve too (repeatable)",
    )


def read_token(token_file: str | None) -> str | None:
    """The access token: from the file, else ``SPMKIT_TOKEN``; None when neither is given.

    Raises:
        UsageError: the file cannot be read, is not UTF-8, or is blank; or ``SPMKIT_TOKEN``
            is set but blank (running without a token must be a choice, not an accident).
    """
    if token_file is not None:
        try:
            token = Path(token_file).read_bytes().decode("utf-8").strip()
        except UnicodeDecodeError:
            msg = tr("the token file {file} is not UTF-8 text; save it as UTF-8", file=token_file)
            raise UsageError(msg) from None
        except OSError as exc:
            msg = tr("cannot read the token file {file}: {reason}", file=token_file, reason=exc)
            raise UsageError(msg) from None
        if not token:
            msg = tr("the token file {file} is empty", file=token_file)
            raise UsageError(msg)
        return token
    if "SPMKIT_TOKEN" in os.environ:
        token = os.environ["SPMKIT_TOKEN"].strip()
        if not token:
            msg = tr("SPMKIT_TOKEN is set but blank; give a token, or unset it to run without one")
            raise UsageError(msg)
        return token
    return None


def run_serve(args: argparse.Namespace) -> int:
    """``spmkit serve``: check the options, load the rule sets, then serve until stopped."""
    try:
        from spmkit._interop.service import Limits, serve  # noqa: PLC0415 - the serve extra
    except ImportError as exc:
        msg = tr(
            "spmkit serve needs the serve extra: pip install 'spmkit[serve]' ({reason})",
            reason=exc,
        )
        raise UsageError(msg) from exc
    token = read_token(args.token_file)
    limits = Limits(
        max_body_bytes=args.max_body_bytes,
        max_rows=args.max_rows,
        max_cells=args.max_cells,
        request_timeout=args.timeout_request,
        idle_timeout=args.timeout_idle,
    )
    serve(
        host=args.host,
        port=args.port,
        token=token,
        limits=limits,
        cors_origins=args.cors_origin,
        rule_dirs=args.rules,
    )
    return 0
