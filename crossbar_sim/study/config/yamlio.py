"""Reading YAML config files: syntax errors and duplicate keys reported with file and line."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from crossbar_sim.study.config.errors import ConfigError


class _Loader(yaml.SafeLoader):
    """Safe loader that reads ``1e-3`` as a float (YAML 1.1 wants ``1.0e-3``) and rejects duplicate keys."""

    file_name = "<string>"

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                mark = key_node.start_mark
                raise ConfigError.problem(
                    f"{self.file_name}:{mark.line + 1}", f"key '{key}' appears twice in the same mapping"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def parse_yaml(text: str, name: str = "<string>") -> Any:
    """The document in ``text``; a :class:`ConfigError` naming ``name`` and the line on bad syntax."""
    loader = _Loader(text)
    loader.file_name = name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        raise ConfigError.problem(where, f"YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError.problem(name, f"YAML error: {' '.join(str(exc).split())}") from None
    finally:
        loader.dispose()


def load_yaml_file(path: str | os.PathLike[str]) -> dict:
    """The top-level mapping of YAML file ``path``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
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
