"""Read the project's YAML data files (questionnaires, recommendations, targets, manifests): safe loading only.

Two strictnesses PyYAML lacks by default: a key given twice in one mapping is an error (PyYAML
keeps the last one in silence), and a manifest can be read with every value as the text written
(``text_only``), so that a client called ``NO`` or ``0012`` stays that name instead of becoming
``False`` or ``10``, and ``min_group_size: 1.9`` is refused instead of being read as a number.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from cxassess.errors import CxError

# the C loaders when libyaml is present: about 10x faster, same safe rules
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _mapping_without_repeats(loader: Any, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # "<<: *defaults": merged keys may be overridden
            continue
        try:
            key = loader.construct_object(key_node, deep=True)
            repeated = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: the standard constructor reports it
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"the key {key!r} is given twice",
                                                    key_node.start_mark)
    return loader.construct_mapping(node, deep=deep)


class StrictSafeLoader(SAFE_LOADER):  # type: ignore[misc, valid-type]
    """Safe YAML with repeated keys refused."""


class TextLoader(_TEXT_LOADER):  # type: ignore[misc, valid-type]
    """Every scalar as the text written (no booleans, numbers or dates), repeated keys refused."""


def _text_or_nothing(loader: Any, node: yaml.ScalarNode) -> str | None:
    """A plain ``null``, ``~`` or empty value is nothing (as YAML writers emit None); all else is text."""
    if node.style in (None, "") and node.value in ("", "~", "null", "Null", "NULL"):  # plain (C parser: "")
        return None
    return node.value


for _loader in (StrictSafeLoader, TextLoader):
    _loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_repeats)
TextLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG, _text_or_nothing)


def load_yaml_text(text: str, source: str, invalid: Callable[[str, list[str]], Exception], *,
                   text_only: bool = False) -> Any:
    """Safe-load YAML (or JSON) text; bad syntax or a repeated key raises ``invalid(source, [problem])``
    with the line and column."""
    try:
        return yaml.load(text, Loader=TextLoader if text_only else StrictSafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise invalid(source, [f"not valid YAML{where}: {getattr(exc, 'problem', exc)}"]) from None


def read_yaml(path: Path, what: str, invalid: Callable[[str, list[str]], Exception], *,
              text_only: bool = False) -> Any:
    """Safe-load a YAML (or JSON) file.

    A missing or unreadable file is a :class:`CxError` naming ``what`` it should have been; bad
    syntax or a repeated key raises ``invalid(source, [problem])`` with the line and column.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CxError(f"{path}: {what} file not found") from None
    except IsADirectoryError:
        raise CxError(f"{path}: is a folder, expected a {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CxError(f"{path}: cannot read {what} ({exc})") from None
    return load_yaml_text(text, str(path), invalid, text_only=text_only)
