"""`crossbar-sim data list | download`: the datasets in the data folder (their size and protocols), and
fetching one from its public host into the cache, verified."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from crossbar_sim.cli.common import PROG, to_json
from crossbar_sim.common.data_paths import ENV_VAR, data_root, default_cache_dir
from crossbar_sim.esgnn.datasets.catalog import DOWNLOADS, download_name
from crossbar_sim.study.config import ConfigError


def add_commands(sub: argparse._SubParsersAction, f: dict[str, argparse.ArgumentParser],
                 fmt: type[argparse.HelpFormatter]) -> None:
    """Add this module's subcommands to ``sub`` (``f``: the shared flag parsers)."""
    p = sub.add_parser("data", formatter_class=fmt, help="what the data folder holds",
                       description="Inspect the data folder ($CROSSBAR_SIM_DATA, else the download cache).")
    commands = p.add_subparsers(dest="data_command", required=True, metavar="COMMAND")
    q = commands.add_parser("list", parents=[f["json"]], formatter_class=fmt,
                            help="each dataset: graphs, nodes, edges, classes, node inputs, protocols",
                            description="Load every dataset folder of the data root and describe it. "
                                        "folds_file values are relative to the dataset folder.",
                            epilog="examples:\n  crossbar-sim data list\n"
                                   "  crossbar-sim data list --root /data/graphs --json")
    q.add_argument("--root", metavar="DIR", help="data folder (default: $CROSSBAR_SIM_DATA, else the cache)")
    q.set_defaults(handler=_cmd_list)
    q = commands.add_parser("download", formatter_class=fmt, help="fetch a dataset, verified",
                            description="Fetch NAME from its public host into DIR/<NAME>/ (default: the "
                                        "download cache), verified; nothing is fetched when the files\n"
                                        "already verify, and a failed download leaves nothing behind.",
                            epilog="datasets:\n" + "".join(f"  {n:<12} {how}\n" for n, (_, how) in
                                                            DOWNLOADS.items()) +
                                   "\nexamples:\n  crossbar-sim data download MUTAG\n"
                                   "  crossbar-sim data download Cora --to data/\n"
                                   "  crossbar-sim data download COLLAB --from https://mirror.example.org/tu")
    q.add_argument("name", metavar="NAME", help="dataset name (any case)")
    q.add_argument("--to", metavar="DIR", help="data folder to put it in (default: the download cache)")
    q.add_argument("--from", dest="mirror", metavar="URL",
                   help="http(s) mirror of the dataset's host: serving NAME.zip (TU datasets) or "
                        "ind.<name>.<part> (Planetoid)")
    q.set_defaults(handler=_cmd_download)


def _cmd_list(args: argparse.Namespace) -> int:
    from crossbar_sim.esgnn.datasets.catalog import list_datasets

    root = data_root(args.root)
    if args.root is not None and not root.is_dir():
        raise ConfigError("--root", args.root, "is not a folder")
    entries = list_datasets(root)
    if args.json:
        print(to_json({"root": str(root), "datasets": [
            asdict(e) if not isinstance(e, str) else {"name": name, "error": e} for name, e in entries]}))
        return 0
    print(f"data root: {root}")
    if not entries:
        print("  (no dataset folders)")
    for name, e in entries:
        if isinstance(e, str):
            print(f"  {name}: unreadable ({e})")
            continue
        inputs = ", ".join(x for x, on in (("node labels", e.node_labels), ("node attributes",
                                                                              e.node_attributes)) if on)
        size = (f"{e.graphs} graphs, " if e.layout == "tudataset" else "") + \
            f"{e.nodes} nodes, {e.edges} edges, {e.classes} classes"
        print(f"  {name} ({e.layout}): {size}; {e.features} input features"
              f"{' (' + inputs + ')' if inputs else ''}")
        print(f"      protocols: {', '.join(e.protocols)}"
              + (f"; folds_file: {', '.join(e.folds_files)}" if e.folds_files else ""))
    return 0


def _cmd_download(args: argparse.Namespace) -> int:
    import warnings

    from crossbar_sim.esgnn.datasets import PinnedDigestWarning, download_dataset

    name = download_name(args.name)
    if args.to is not None and os.path.lexists(args.to) and not Path(args.to).is_dir():
        raise ConfigError("--to", args.to, "is not a folder")
    if args.mirror is not None and urlsplit(args.mirror).scheme not in ("http", "https"):
        raise ConfigError("--from", args.mirror, "must be an http:// or https:// URL")
    urls = None if args.mirror is None else {DOWNLOADS[name][0]: args.mirror}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PinnedDigestWarning)
        folder = download_dataset(name, args.to, urls)
    for warning in caught:
        print(f"{PROG}: note: {' '.join(str(warning.message).split())}", file=sys.stderr)
    print(folder)
    root = Path(args.to) if args.to is not None else default_cache_dir()
    if root.resolve() != data_root().resolve():
        print(f"{PROG}: note: runs read datasets from {data_root()}; set {ENV_VAR}={root} to use this one",
              file=sys.stderr)
    return 0
