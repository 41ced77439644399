"""Draw a file in a short-lived process of its own: Pillow with an image and the CJK font's
glyphs (about 15 MB), openpyxl with a workbook (30 MB and more) add to a process that uses
them, and a Python process never gives that back. The bot hands the renderer's arguments
over by pickle and reads the file's bytes back; the drawing is the same function, so the file
is the same.

    python -m bot.documents.out_of_process < pickled (module, name, args, kwargs) > file
"""

from __future__ import annotations

import copyreg
import importlib
import pickle
import subprocess
import sys
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

TIMEOUT = 120  # seconds: a 50,000-flat workbook takes a few


def read_only(mapping: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(mapping)


# Records keep their answers read-only (MappingProxyType), which pickle cannot take as it is.
copyreg.pickle(MappingProxyType, lambda mapping: (read_only, (dict(mapping),)))


class RenderError(RuntimeError):
    """The drawing process failed; its error output says why."""


def out_of_process(module: str, name: str) -> Callable[..., bytes]:
    """A renderer that runs ``module.name(*args, **kwargs)`` in a process of its own and
    returns the bytes it draws: a drop-in for the function itself."""

    def render(*args: Any, **kwargs: Any) -> bytes:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=pickle.dumps((module, name, args, kwargs)),
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
        if done.returncode:
            error = done.stderr.decode(errors="replace").strip().splitlines()
            raise RenderError(f"{module}.{name} failed: {error[-1] if error else done.returncode}")
        return done.stdout

    return render


def main() -> None:
    module, name, args, kwargs = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(getattr(importlib.import_module(module), name)(*args, **kwargs))


if __name__ == "__main__":
    main()
