"""Read the project's YAML data files (questionnaires, recommendations, targets, manifests): safe loading only.

Two strictnesses PyYAML lacks by default: a key given twice in one mapping is an error (PyYAML
keeps the last one in silence), and a manifest can be read with every value as the text written
(``text_only``), so that a client called ``NO`` or ``0012`` stays that name instead of becoming
``False`` or ``10``, and ``min_group_size: 1.9`` is refused instead of being read as a number.

And one safety PyYAML lacks too: aliases (``*name``) are followed as shared references, so 1 KB of
nested aliases ("billion laughs") stands for billions of values, which any walk over the result
(validation, a message) then expands. Every file is composed first and refused when its aliases
would add more than :data:`ALIAS_LIMIT` values, or when a value contains itself; only then is it
constructed. Messages describe a parsed value (:func:`describe`) instead of printing it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from cxassess.errors import CxError

# the C loaders when libyaml is present: about 10x faster, same safe rules
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)

ALIAS_LIMIT = 10_000
"""How many values aliases may add to a file (its own values are not counted): plenty for reuse
such as ``<<: *defaults``, far below what a 1 KB alias bomb expands to."""
_SHOWN = 60


def describe(value: Any) -> str:
    """A parsed value as a message shows it: short text as written, else what it is and how big
    ("a list of 20,000 values"), never the repr of a large object."""
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value):,} value(s)"
    if isinstance(value, dict):
        return f"a mapping of {len(value):,} key(s)"
    text = repr(value) if isinstance(value, str) else str(value) if isinstance(value, (int, float, bool)) else ""
    if not text:
        return f"a value of type {type(value).__name__}"
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}... ({len(text):,} characters)"


class AliasError(yaml.YAMLError):
    """Aliases that expand past :data:`ALIAS_LIMIT`, or a value that contains itself."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def check_aliases(root: yaml.Node, limit: int = ALIAS_LIMIT) -> None:
    """Refuse a composed document whose aliases add more than ``limit`` values, or that contains itself.

    Walks each distinct node once (sizes are memoised), so the check costs the file's size, not
    the expansion's."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(child)] for child in _children(node))
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise AliasError("an alias makes a value contain itself", child.start_mark)
            if id(child) not in size:
                stack.append((child, False))
    added = size[id(root)] - len(size)
    if added > limit:
        raise AliasError(f"its aliases (*name) expand to {added:,} more values than are written (at most {limit:,} "
                         "allowed); write the values out instead", root.start_mark)


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
            raise yaml.constructor.ConstructorError(None, None, f"the key {describe(key)} is given twice",
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
    loader = (TextLoader if text_only else StrictSafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_aliases(node)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = "YAML refused" if isinstance(exc, AliasError) else "not valid YAML"
        raise invalid(source, [f"{what}{where}: {getattr(exc, 'problem', exc)}"]) from None
    finally:
        loader.dispose()


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
