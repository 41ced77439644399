"""Bounds on a survey definition's YAML, checked before it is loaded.

PyYAML's composer recurses once per level of nesting, so a few kilobytes of "[[[[…" raise
RecursionError; and aliases let a short file stand for billions of values, which the schema
would then walk. The event stream is read without recursion and without building anything, so
these are checked first and reported as one problem. The bounds are far above what any
definition needs: 50 questions of 100 options, in two languages, are some 50,000 values."""

from __future__ import annotations

import yaml

MAX_CHARACTERS = 500_000
MAX_DEPTH = 20  # a definition nests 6 deep: questions, a question, rule, custom, ...
MAX_VALUES = 200_000  # keys and values, each alias counted as all it stands for


def shape_problem(text: str) -> str | None:
    """Why `text` may not be loaded, or None. YAML syntax errors are left to the loader."""
    if len(text) > MAX_CHARACTERS:
        return f"the file is longer than {MAX_CHARACTERS:,} characters"
    sizes: dict[str, int] = {}  # values under each anchor, its own node included
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, values so far) of each level
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                if len(open_nodes) >= MAX_DEPTH:
                    return f"values are nested deeper than {MAX_DEPTH} levels"
                open_nodes.append((event.anchor, 1))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, count = open_nodes.pop()
            elif isinstance(event, yaml.ScalarEvent):
                anchor, count = event.anchor, 1
            elif isinstance(event, yaml.AliasEvent):
                anchor, count = None, sizes.get(event.anchor, 1)
            else:
                continue
            if anchor is not None:
                sizes[anchor] = count
            if open_nodes:  # the enclosing collection holds all this stands for
                parent_anchor, parent_count = open_nodes[-1]
                open_nodes[-1] = (parent_anchor, parent_count + count)
                count = parent_count + count
            if count > MAX_VALUES:
                return f"the file stands for too many values (more than {MAX_VALUES:,})"
    except yaml.YAMLError:
        return None  # the loader reports it, with its line
    return None
