"""Drive one (mutated) stream through every reader of quasi and judge the results.

Readers: ``quasi.decompress``, ``QuasiDecompressor`` fed in small pieces with a small
``max_length`` (a new one on ``unused_data`` after each frame), ``quasi.open(...).read()``,
a seek and read through ``QuasiFile``, ``get_frame_info`` and, when asked, the command
line (``-d``, ``-t``, ``-l``, in process). The rules (``judge``):

* only ``QuasiError`` may escape (anything else is a ``crash``);
* a reader that returns content returns the expected content, unless the mutation is
  ``unprotected`` (``wrong``); a valid stream (``strict``) is never refused (``refused``);
* the readers agree: the whole-stream readers succeed together or fail together, and a
  stream ``decompress`` accepts has a valid first frame (``disagree``);
* a seek reads the content at the target, except after forged edits or moved block
  records (format version 1 cannot tell a record moved to where an index entry of the
  same raw size points: tests/test_fuzz.py, test_seek_cannot_tell_swapped_records);
* the command line exits 0, 1 or (trailing garbage after valid frames, as gzip) 2 with a
  one-line ``quasi: ...`` message, writes the expected output (the frames before the
  garbage) or nothing, leaves no temporary file (``cli``).

The verdict is ``rejected`` (every reader refused), ``decoded`` (the expected content),
``unprotected`` (different content where the format promises no detection), or the name
of the first rule broken.
"""
from __future__ import annotations

import io
import os
import random

import quasi
from quasi.codec.container import iter_decoded, read_frame_infos
from quasi.errors import TrailingGarbage
from quasi.stream import decode_record

STREAM_LIMIT = 1 << 22      # max_output_size of the streaming reader (inputs are small)
FAILURES = ("crash", "wrong", "refused", "disagree", "cli")


class Failure(Exception):
    """A broken rule: ``kind`` is one of FAILURES."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


def _call(name, fn, failed=None):
    """(result, None) or (``failed``, the QuasiError); any other exception is a crash."""
    try:
        return fn(), None
    except quasi.QuasiError as exc:
        return failed, exc
    except Exception as exc:  # noqa: BLE001 - the point: nothing else may escape
        raise Failure("crash", f"{name}: {type(exc).__name__}: {exc}") from exc


def stream_decode(data: bytes, rng: random.Random):
    """Every frame through QuasiDecompressor, fed 1..64 bytes at a time, asking for
    1..300 bytes per call. Returns (content, complete): complete is False when the input
    ended inside a frame (which QuasiDecompressor reports by never reaching eof) or
    held no frame at all."""
    if not data:
        return b"", False
    out = []
    rest = data
    while rest:
        d = quasi.QuasiDecompressor(max_output_size=STREAM_LIMIT)
        pos = 0
        budget = 4 * len(rest) + STREAM_LIMIT // 16 + 100   # calls; a loop is a hang
        while not d.eof:
            budget -= 1
            if budget < 0:
                raise Failure("crash", "QuasiDecompressor: no progress (endless loop)")
            piece = b""
            if d.needs_input:
                if pos >= len(rest):
                    return b"".join(out), False
                step = rng.randrange(1, 65)
                piece, pos = rest[pos:pos + step], pos + step
            out.append(d.decompress(piece, rng.randrange(1, 301)))
        rest = d.unused_data + rest[pos:]
    return b"".join(out), True


def file_seek(data: bytes, rng: random.Random, size: int):
    """(content at a random position, position) read after a seek through QuasiFile."""
    with quasi.open(io.BytesIO(data)) as f:
        end = f.seek(0, io.SEEK_END)
        target = rng.randrange(size + 1) if size else 0
        f.seek(target)
        return f.read(rng.choice((1, 100, -1))), target, end


def judge(mutation, rng: random.Random, cli_dir: str | None = None) -> str:
    """The verdict on one mutated stream (module docstring); raises Failure."""
    data, want = mutation.data, mutation.expected

    def check_content(name, got):
        if got != want and not mutation.unprotected:
            raise Failure("wrong", f"{name} returned {len(got)} bytes, not the "
                          f"{len(want)} expected")

    one, err1 = _call("decompress", lambda: quasi.decompress(data))
    (streamed, complete), err2 = _call("QuasiDecompressor", lambda: stream_decode(data, rng),
                                       (None, False))
    with_file, err3 = _call("QuasiFile.read", lambda: quasi.open(io.BytesIO(data)).read())
    info, err4 = _call("get_frame_info", lambda: quasi.get_frame_info(data))
    seek, err5 = _call("QuasiFile.seek", lambda: file_seek(data, rng, len(want)))
    if err1 is None:
        check_content("decompress", one)
        if err3 is not None or with_file != one:
            raise Failure("disagree", f"decompress accepted, QuasiFile.read: {err3}")
        if err4 is not None:
            raise Failure("disagree", f"decompress accepted, get_frame_info: {err4}")
    elif mutation.strict:
        raise Failure("refused", f"decompress: {err1}")
    if err3 is None and err1 is not None:
        raise Failure("disagree", f"QuasiFile.read accepted, decompress: {err1}")
    if err2 is None and complete:
        check_content("QuasiDecompressor", streamed)
        if err1 is not None:
            raise Failure("disagree", f"QuasiDecompressor accepted, decompress: {err1}")
    elif mutation.strict:
        raise Failure("refused", f"QuasiDecompressor: {err2 or 'incomplete'}")
    if err5 is None and not (mutation.unprotected or mutation.forged or mutation.moved):
        piece, target, end = seek
        if end != len(want) or piece != want[target:target + len(piece)] or (
                not piece and target < len(want)):
            raise Failure("wrong", f"QuasiFile.seek({target}): size {end}, "
                          f"{len(piece)} bytes not those at {target}")
    if cli_dir is not None:
        check_cli(mutation, err1, cli_dir)
    if err1 is not None:
        return "rejected"
    return "decoded" if one == want else "unprotected"


def reached_codec(mutation) -> bool:
    """Whether the block a forged edit changed (``mutation.target``: frame, block) got
    past every CRC and structure check before it to its decoder, reading the stream as
    ``decompress`` does. Call it after ``judge``: any exception but QuasiError escapes."""
    seen = set()

    def decode(hdr, rec):
        seen.add((hdr.index, rec.index))
        return decode_record(rec)

    try:
        for _ in iter_decoded(mutation.data, decode):
            pass
    except quasi.QuasiError:
        pass
    return tuple(mutation.target) in seen


def check_cli(mutation, err, cli_dir: str) -> None:
    """quasi -d, -t and -l (in process) on the stream: exit 0, 1 or (after trailing
    garbage, as gzip) 2 with a one-line message, the expected output or none, no
    temporary file; -t and -d agree with ``decompress``: 0 where it succeeds, 2 with the
    content of the frames before the garbage where it raises TrailingGarbage, else 1."""
    from click.testing import CliRunner

    from quasi_cli.main import cli

    path = os.path.join(cli_dir, "case.qz")
    out = os.path.join(cli_dir, "case")
    with open(path, "wb") as f:
        f.write(mutation.data)
    garbage = isinstance(err, TrailingGarbage)
    want_code, want = (0, mutation.expected) if err is None else (1, None)
    if garbage:
        want_code, want = 2, quasi.decompress(mutation.data[:err.offset])
    runner = CliRunner()
    try:
        for args in (["-d", path], ["-t", path], ["-l", path]):
            try:
                r = runner.invoke(cli, args, catch_exceptions=False)
            except Exception as exc:  # noqa: BLE001
                raise Failure("cli", f"quasi {args[0]}: {type(exc).__name__}: {exc}") from exc
            msg = r.stderr.strip()
            if r.exit_code not in (0, 1, 2) or "Traceback" in r.output:
                raise Failure("cli", f"quasi {args[0]} exited {r.exit_code}: {msg[-300:]}")
            if r.exit_code and not (msg.startswith("quasi: ") and "\n" not in msg):
                raise Failure("cli", f"quasi {args[0]} failed without a clean message: {msg!r}")
            if args[0] == "-l":
                _check_list(r.exit_code, mutation)
                continue
            if r.exit_code != want_code:
                raise Failure("cli", f"quasi {args[0]} exited {r.exit_code}, decompress: {err}")
            if args[0] == "-d":
                if r.exit_code != 1:
                    with open(out, "rb") as f:
                        got = f.read()
                    if got != want and not mutation.unprotected:
                        raise Failure("cli", "quasi -d wrote other content than expected")
                    os.unlink(out)
                elif os.path.exists(out):
                    raise Failure("cli", "quasi -d failed but left its output")
        left = [n for n in os.listdir(cli_dir) if n != "case.qz"]
        if left:
            raise Failure("cli", f"files left behind: {left}")
    finally:
        os.unlink(path)


def _check_list(code: int, mutation) -> None:
    """-l succeeds exactly on streams whose structure is valid (a forged meta section
    may still make it refuse a valid structure)."""
    ok = True
    try:
        read_frame_infos(mutation.data)
    except quasi.QuasiError:
        ok = False
    if (code == 0 and not ok) or (code == 1 and ok and not mutation.forged):
        raise Failure("cli", f"quasi -l exited {code}, structure valid: {ok}")
