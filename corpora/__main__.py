"""python -m quasi_corpora: list, verify or fetch corpora; write generated text.

    python -m quasi_corpora list [GROUP_OR_NAME ...]
    python -m quasi_corpora verify [GROUP_OR_NAME ...]     # default: shared
    python -m quasi_corpora fetch enwik8|enwik9
    python -m quasi_corpora synth SIZE [-o FILE] [--seed N]  # e.g. 1GiB; stdout without -o
"""
import argparse
import sys

from . import enwik, registry, synth
from .check import CorpusError


def _names(specs):
    return [n for spec in specs for n in registry.expand(spec)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m quasi_corpora", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="names of a group (default: every group)")
    p_list.add_argument("specs", nargs="*")
    p_verify = sub.add_parser("verify", help="read and check corpora (default: shared)")
    p_verify.add_argument("specs", nargs="*", default=[registry.SHARED])
    p_fetch = sub.add_parser("fetch", help="find or download enwik8 / enwik9 and check it")
    p_fetch.add_argument("name", choices=registry.ENWIK)
    p_synth = sub.add_parser("synth", help="write SIZE bytes of generated text")
    p_synth.add_argument("size", type=registry.parse_size)
    p_synth.add_argument("-o", "--output", help="file to write (default: standard output)")
    p_synth.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        if args.command == "list":
            if args.specs:
                print("\n".join(_names(args.specs)))
            else:
                for group, names in registry.groups().items():
                    print(f"{group}: {' '.join(names)}")
        elif args.command == "verify":
            for name in _names(args.specs):
                print(f"{name}: {len(registry.load(name)):,} bytes ok")
        elif args.command == "fetch":
            print(f"{args.name}: {len(registry.load(args.name)):,} bytes ok "
                  f"(md5 {enwik.EXPECTED[args.name][1]})")
        elif args.output:
            with open(args.output, "wb") as fh:
                synth.write(fh, args.size, args.seed)
        else:
            synth.write(sys.stdout.buffer, args.size, args.seed)
    except CorpusError as exc:
        print(f"quasi_corpora: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
