"""`kneeclick count-clicks FILE.wav [--json]`: count the knee clicks in a recording."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "count-clicks",
        help="count the knee clicks in a WAV recording of one test",
        description="Print the number of knee clicks found in a WAV recording (8-48 kHz, mono or stereo, "
        "8/16/24/32-bit or float PCM). Doubts about the count (clipping, talking, a noisy or very quiet "
        "recording) go to stderr as 'warning:' lines. With --json: one JSON object on stdout with count, "
        "times_s (seconds from the start), quality (verdict ok/check/unusable, issues with code and message, "
        "levels), sample_rate, channels, duration_s and clicks. A silent recording gives 0 and a warning; a "
        "file that is not a readable WAV recording exits with status 2.",
    )
    p.add_argument("file", metavar="FILE.wav", help="the recording (use - to read it from stdin)")
    p.add_argument("--json", action="store_true", help="print a JSON object instead of the bare count")
    p.set_defaults(func=run)


class _Failure(Exception):
    """A one-line message for stderr and exit status 2 (as core.cli.CliError; raised and caught here so it
    also works under `python -m core.cli`, where core.cli is loaded twice and CliError is not one class)."""


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except _Failure as e:
        print(f"kneeclick {args.command}: {e}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `kneeclick --help` and the other commands need none of it.
    from core.audio.detector import AudioError, detect_clicks
    from core.audio.wavread import open_source, spool

    name = "stdin" if args.file == "-" else args.file
    try:
        # A file is read block by block; stdin is copied to a temporary file first (both bounded in memory).
        f = spool(sys.stdin.buffer) if args.file == "-" else open_source(args.file)
    except AudioError as e:  # a file that cannot be opened: the message names it already
        raise _Failure(str(e) if args.file != "-" else f"{name}: {e}") from None
    except OSError as e:
        raise _Failure(f"{name}: cannot be read ({e.strerror or e})") from None
    try:
        with f:
            detection = detect_clicks(f)
    except AudioError as e:
        raise _Failure(f"{name}: {e}") from None
    except OSError as e:
        raise _Failure(f"{name}: cannot be read ({e.strerror or e})") from None
    if args.json:
        print(json.dumps(detection.to_dict(), indent=2))
    else:
        print(detection.count)
        for issue in detection.quality.issues:
            print(f"warning: {issue.message}", file=sys.stderr)
    return 0
