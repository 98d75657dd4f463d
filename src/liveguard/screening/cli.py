"""``liveguard screen``: screen messages, NDJSON stdin → stdout, streamed line by line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from liveguard.errors import LiveguardError
from liveguard.screening.contract import MAX_TEXT, screen_line, too_long
from liveguard.screening.engine import Engine, default_engine
from liveguard.screening.lexicon import parse_lexicon

# A line holds at most 10,000 characters of text; JSON escapes may take 6 bytes per character.
MAX_LINE = MAX_TEXT * 6 + 4096

screen_app = typer.Typer(help="Screen speech and comments (实时审核): NDJSON stdin → stdout.")


def _lines(source: BinaryIO) -> tuple[bytes | None, bool]:
    """The next line (None at the end) and whether it was cut because it is too long."""
    line = source.readline(MAX_LINE + 1)
    if not line:
        return None, False
    if len(line) <= MAX_LINE or line.endswith(b"\n"):
        return line, False
    while line and not line.endswith(b"\n"):  # drop the rest of the over-long line
        line = source.readline(MAX_LINE)
    return b"", True


def _engine(lexicon: Path | None) -> Engine:
    """The default engine, or one compiled from a lexicon file (a bad file is a usage error)."""
    if lexicon is None:
        return default_engine()
    try:
        return Engine(parse_lexicon(lexicon.read_bytes()))
    except (OSError, LiveguardError) as exc:
        raise typer.BadParameter(str(getattr(exc, "message", exc)), param_hint="--lexicon") from exc


@screen_app.callback(invoke_without_command=True)
def screen(
    lexicon: Annotated[
        Path | None, typer.Option("--lexicon", help="词库 JSON 文件（默认使用内置词库）")
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="每条命中另附 review（需人工复核）与 exemption")
    ] = False,
) -> None:
    """Screen messages: one JSON object per stdin line, one result or error per stdout line."""
    engine = _engine(lexicon)
    source = typer.get_binary_stream("stdin")
    sink = typer.get_binary_stream("stdout")
    failed = False
    while True:
        raw, cut = _lines(source)
        if raw is None:
            break
        if cut:
            out, error = too_long(MAX_LINE), True
        elif not raw.strip():
            continue
        else:
            out, error = screen_line(engine, raw, explain=explain)
        failed |= error
        sink.write(out.encode("utf-8") + b"\n")
        sink.flush()
    if failed:
        raise typer.Exit(1)


GROUPS = [("screen", screen_app)]
