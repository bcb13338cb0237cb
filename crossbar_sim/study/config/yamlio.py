"""Reading YAML config files: syntax errors and duplicate keys reported with file and line.

Bounded, so that a small hostile file cannot hang or exhaust the process: regular files only, at most
MAX_YAML_BYTES, nesting at most MAX_DEPTH deep, and at most MAX_NODES nodes once aliases are expanded
(a "billion laughs" file of nested aliases is refused before it is built). Keys must be scalars.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from crossbar_sim.study.config.errors import ConfigError

MAX_YAML_BYTES = 1 << 20  # 1 MiB: experiment files are a few kB
MAX_DEPTH = 64  # nesting of mappings and lists
MAX_NODES = 200_000  # nodes of the document with every alias expanded
MAX_INT_CHARS = 1000  # an integer scalar's length (Python refuses to read decimals of over 4300 digits)
_MERGE_TAG = "tag:yaml.org,2002:merge"


def _where(name: str, node: yaml.Node) -> str:
    return f"{name}:{node.start_mark.line + 1}"


class _Loader(yaml.SafeLoader):
    """Safe loader that reads ``1e-3`` as a float (YAML 1.1 wants ``1.0e-3``), rejects duplicate and
    non-scalar keys, keeps merge keys (``<<: *base``) and bounds nesting."""

    file_name = "<string>"
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise ConfigError.problem(f"{self.file_name}:{mark.line + 1}",
                                          f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError.problem(_where(self.file_name, key_node),
                                          "keys must be plain scalars (strings), not lists or mappings")
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise ConfigError.problem(_where(self.file_name, key_node),
                                          f"key '{key}' appears twice in the same mapping")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        if len(node.value) > MAX_INT_CHARS:
            raise ConfigError.problem(_where(self.file_name, node), f"an integer of {len(node.value):,} "
                                      f"characters; at most {MAX_INT_CHARS:,} are read")
        return super().construct_yaml_int(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)


def _expanded_size(node: yaml.Node, name: str) -> int:
    """Nodes of the document with aliases expanded (shared nodes counted every time they are used)."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        if id(n) not in sizes:
            sizes[id(n)] = 1  # a cycle counts once more per pass; the depth bound ends it
            if isinstance(n, yaml.MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in n.value)
            elif isinstance(n, yaml.SequenceNode):
                total = 1 + sum(size(v) for v in n.value)
            else:
                total = 1
            sizes[id(n)] = total
            if total > MAX_NODES:
                raise ConfigError.problem(_where(name, n), f"expands to more than {MAX_NODES} values "
                                          "(aliases of aliases?)")
        return sizes[id(n)]

    return size(node)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_yaml(text: str, name: str = "<string>") -> Any:
    """The document in ``text``; a :class:`ConfigError` naming ``name`` and the line on bad syntax."""
    if len(text) > MAX_YAML_BYTES:
        raise ConfigError.problem(name, f"is larger than {MAX_YAML_BYTES} bytes")
    loader = None
    try:
        loader = _Loader(text)
        loader.file_name = name
        node = loader.get_single_node()
        if node is None:
            return None
        _expanded_size(node, name)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ConfigError.problem(where, f"YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError.problem(name, f"YAML error: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError.problem(name, "nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_yaml_file(path: str | os.PathLike[str]) -> dict:
    """The top-level mapping of YAML file ``path``."""
    p = Path(path)
    try:
        info = os.stat(p)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError.problem(str(p), "is not a regular file (a FIFO, device or socket?)")
        with p.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
        if len(raw) > MAX_YAML_BYTES:
            raise ConfigError.problem(str(p), f"is larger than {MAX_YAML_BYTES} bytes")
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError.problem(str(p), "file not found") from None
    except IsADirectoryError:
        raise ConfigError.problem(str(p), "is a directory, not a YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError.problem(str(p), f"cannot read file ({exc.__class__.__name__})") from None
    data = parse_yaml(text, str(p))
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ConfigError.problem(str(p), f"must be a YAML mapping at the top level (it is {kind})")
    return data
