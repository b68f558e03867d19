"""`quasi -l`: what a .qz file holds, read from its headers without decoding.

Compiles nothing: it walks frame headers, block headers, the end mark, index
and footer (all CRC-checked), and with -v shows the bytes of every stream (coded
sections by name, stored and lzma blocks, the container) and reads each coded
block's meta section (token and word counts, phrase entries per level), never
the coded streams.
Events and phrase hits per level are not in the headers: ``quasi.analyze``
measures them by compressing the original."""
import sys

import click

from quasi.analysis import EVENT_LEVELS
from quasi.codec.container import BLOCK_CODED, StreamReader
from quasi.errors import QuasiError
from quasi.codec.config import (META_FIELDS, RECORD_STREAMS, SECTION_NAMES, VOCAB_MODEL_NAMES,
                                codec_revision, meta_values, stream_sizes)

# the meta fields shown as what the coded blocks ran: all but the counts
COUNTS = ("n_tokens", "n_words", "entries", "n_vocab_bytes", "n_spaces")
SETTINGS = tuple(field.name for field in META_FIELDS if field.name not in COUNTS)


def _read(name):
    if name == "-":
        return "(stdin)", sys.stdin.buffer.read()
    with open(name, "rb") as fh:
        return name, fh.read()


def list_files(files, verbose=False):
    """Print one line per file (and per-stream bytes with verbose)."""
    click.echo(f"{'Frames':>6} {'Blocks':>6} {'Compressed':>13} {'Uncompressed':>13} "
               f"{'Ratio':>6} {'Check':>5} {'Level':>5}  {'Tiling':<12} Filename")
    for name in files:
        label, data = _read(name)
        reader = StreamReader(data, verify=False)
        streams = {}  # stream name -> bytes, in order of first appearance
        kinds = {}    # record type -> blocks
        parse = [0] * (2 + len(EVENT_LEVELS))  # tokens, distinct words, entries per level
        settings = {}  # meta field -> the values the coded blocks hold
        try:
            for _hdr, rec in reader:
                kinds[rec.type] = kinds.get(rec.type, 0) + 1
                for stream, size in stream_sizes(rec.type, rec.sections).items():
                    streams[stream] = streams.get(stream, 0) + size
                if rec.type == BLOCK_CODED and codec_revision(rec.sections[0]) in SECTION_NAMES:
                    _add_meta(parse, settings, rec.sections[0])
        except QuasiError as exc:
            raise QuasiError(f"{label}: {exc}") from None
        frames = reader.frames
        content = sum(f.content_size for f in frames)
        blocks = sum(f.n_blocks for f in frames)
        ratio = len(data) / content if content else 0.0
        check = "CRC32" if all(f.checksum for f in frames) else "none"
        specs = ",".join(dict.fromkeys(f.spec for f in frames))
        levels = ",".join(dict.fromkeys(str(f.level) for f in frames))
        click.echo(f"{len(frames):>6} {blocks:>6} {len(data):>13,} {content:>13,} {ratio:>6.3f} "
                   f"{check:>5} {levels:>5}  {specs:<12} {label}")
        if verbose:
            for what, size in streams.items():
                click.echo(f"{'':>14}{size:>13,}  {what}{_blocks_of(what, kinds)}")
            container = len(data) - sum(streams.values())
            click.echo(f"{'':>14}{container:>13,}  container")
            _echo_parse(parse)
            _echo_settings(settings)


def _blocks_of(stream: str, kinds: dict) -> str:
    """The block count shown after the stream of stored or lzma blocks."""
    for btype, name in RECORD_STREAMS.items():
        if stream == name:
            return f" ({kinds[btype]} block{'s' * (kinds[btype] != 1)})"
    return ""


def _add_meta(parse: list, settings: dict, meta) -> None:
    """Add one coded block's token, word and entry counts to parse, its settings to
    settings (the fields of the codec configuration, by name)."""
    fields = meta_values(meta)
    counts = [fields["n_tokens"], fields["n_words"], *fields["entries"]]
    for i, c in enumerate(counts):
        parse[i] += c
    for name in SETTINGS:
        settings.setdefault(name, set()).add(fields[name])


def _echo_parse(parse: list) -> None:
    """Tokens, distinct words and phrase entries of the coded blocks."""
    tokens, words, entries = parse[0], parse[1], parse[2:]
    click.echo(f"  coded blocks: {tokens:,} tokens, {words:,} distinct words")
    defined = [f"{name} {n:,}" for name, n in zip(EVENT_LEVELS, entries) if n]
    click.echo("  phrase entries (defined in-band at first use): "
               + (", ".join(defined) if defined else "none"))


def _echo_settings(settings: dict) -> None:
    """What the coded blocks ran, one meta field after another (several values: the
    blocks differ); a field that a block's revision does not have shows the value
    that revision runs with."""
    if not settings:
        return
    shown = []
    for field in META_FIELDS:
        if field.name in settings:
            values = sorted(settings[field.name])
            if field.name == "vocab_models":
                values = [VOCAB_MODEL_NAMES[v] for v in values]
            shown.append(f"{field.name} {'/'.join(str(v) for v in values)}")
    click.echo("  coded blocks ran: " + ", ".join(shown))
