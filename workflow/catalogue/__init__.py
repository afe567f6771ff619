"""The Chinese message catalogue, one module per area, each a dict `ZH` from the English
template used in the code to its Chinese template (same {placeholders}).

Modules are gathered by name so that each area keeps its own messages beside the others.
"""

from __future__ import annotations

import importlib
import pkgutil


def load(lang: str) -> dict[str, str]:
    if lang != "zh":
        return {}
    merged: dict[str, str] = {}
    for module in pkgutil.iter_modules(__path__):
        entries = importlib.import_module(f"{__name__}.{module.name}").ZH
        merged.update(entries)
    return merged
