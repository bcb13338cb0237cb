"""`crossbar-sim data list | download`: the datasets in the data folder (their size and protocols), and
fetching one from its public host into the cache, verified."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict


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
    q = commands.add_parser("download", formatter_class=fmt, help="fetch a dataset, verified by SHA-256",
                            description="Fetch NAME (MUTAG, COLLAB, Cora or another TU or Planetoid "
                                        "dataset) from its public host; nothing is fetched when the "
                                        "files already verify.",
                            epilog="examples:\n  crossbar-sim data download MUTAG\n"
                                   "  crossbar-sim data download Cora --root data/")
    q.add_argument("name", metavar="NAME", help="dataset name")
    q.add_argument("--root", metavar="DIR", help="where to put it (default: the user cache)")
    q.set_defaults(handler=_cmd_download)


def _cmd_list(args: argparse.Namespace) -> int:
    from crossbar_sim.common.data_paths import data_root
    from crossbar_sim.esgnn.datasets.catalog import list_datasets

    root = data_root(args.root)
    entries = list_datasets(root)
    if args.json:
        print(json.dumps({"root": str(root), "datasets": [
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
    from crossbar_sim.esgnn.datasets import download_dataset

    print(download_dataset(args.name, args.root))
    return 0
