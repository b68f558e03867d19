"""Does a change keep the bytes? Record or check the exact output of quasi.

``record`` compresses every named corpus file at each level and writes, per file and
level, the compressed size and the SHA-256 of the compressed bytes, with the commit
that produced them. ``check`` does the same with the code of today and compares it
with a record: any difference in size or hash is listed and the command exits 1.
A restructuring that must not change the format is checked against a record made
by the commit before it. Compression runs in a child process that imports quasi from
``--tree`` (default: the quasi this command imports), so a record of another commit
can be made from a ``git worktree`` of it."""
import datetime
import json
import subprocess
import sys
from pathlib import Path

import click

import quasi_corpora

_CHILD = r"""
import hashlib, json, sys
if sys.argv[1]:
    sys.path.insert(0, sys.argv[1])
import quasi
levels = [int(x) for x in sys.argv[3].split(",")]
data = open(sys.argv[2], 'rb').read()
out = {"quasi": quasi.__file__}
for level in levels:
    packed = quasi.compress(data, level=level)
    out[str(level)] = [len(packed), hashlib.sha256(packed).hexdigest()]
print(json.dumps(out))
"""


def _commit(tree: str) -> str:
    where = tree or str(Path(__file__).resolve().parent.parent)
    try:
        rev = subprocess.run(["git", "-C", where, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", where, "status", "--porcelain", "--", "quasi"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return rev + ("+modified" if dirty else "")


def _measure(tree: str, names: list[str], levels: list[int], tmp: Path) -> dict:
    results = {}
    for name in names:
        path = tmp / "input"
        path.write_bytes(quasi_corpora.load(name))
        out = subprocess.run([sys.executable, "-c", _CHILD, tree, str(path),
                              ",".join(map(str, levels))],
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise click.ClickException(f"{name}: child failed:\n{out.stderr[-2000:]}")
        got = json.loads(out.stdout.strip().splitlines()[-1])
        if tree and not got.pop("quasi").startswith(tree):
            raise click.ClickException(f"{tree}: quasi was imported from elsewhere")
        got.pop("quasi", None)
        results[name] = got
        click.echo(f"{name}: " + "  ".join(f"L{lv} {got[str(lv)][0]:,}" for lv in levels),
                   err=True)
    return results


def _options(f):
    f = click.option("--tree", default="", help="a source directory holding quasi/ "
                     "(default: the installed quasi)")(f)
    f = click.option("--corpus", "spec", default="shared", show_default=True,
                     help="a corpus group or name (corpora module)")(f)
    return f


@click.group()
def identity():
    """Record or check the exact compressed bytes of the corpora."""


@identity.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--levels", default="1,6,9", show_default=True)
@_options
def record(out, levels, tree, spec):
    """Write sizes and hashes of every file at each level to OUT (JSON)."""
    import tempfile
    level_list = [int(x) for x in levels.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results = _measure(tree, quasi_corpora.expand(spec), level_list, Path(tmp))
    doc = {"commit": _commit(tree), "date": datetime.date.today().isoformat(),
           "levels": level_list, "files": results}
    Path(out).write_text(json.dumps(doc, indent=1) + "\n")


@identity.command()
@click.argument("reference", type=click.Path(exists=True, dir_okay=False))
@_options
def check(reference, tree, spec):
    """Compare today's output with REFERENCE; exit 1 on any difference."""
    import tempfile
    ref = json.loads(Path(reference).read_text())
    names = [n for n in quasi_corpora.expand(spec) if n in ref["files"]]
    missing = sorted(set(ref["files"]) - set(names))
    with tempfile.TemporaryDirectory() as tmp:
        results = _measure(tree, names, ref["levels"], Path(tmp))
    differ = [(n, lv) for n in names for lv in map(str, ref["levels"])
              if results[n][lv] != ref["files"][n][lv]]
    for n, lv in differ:
        click.echo(f"DIFFERS {n} level {lv}: {ref['files'][n][lv][0]:,} B in "
                   f"{ref['commit']}, {results[n][lv][0]:,} B now")
    click.echo(f"{len(names)} files x {len(ref['levels'])} levels against {ref['commit']} "
               f"({ref['date']}): {len(differ)} differ"
               + (f"; not found here: {', '.join(missing)}" if missing else ""))
    if differ:
        sys.exit(1)
