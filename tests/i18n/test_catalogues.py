"""Every sentence the code shows is in both catalogues, and Chinese is complete."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.app import LOCALES, build_i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "__": None}


def _source_messages() -> set[str]:
    found = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_catalogue_lists_every_message(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "linli.po").open("rb") as po:
        listed = {message.id for message in read_po(po) if message.id}
    missing = _source_messages() - listed
    assert not missing, f"run `make messages` and translate: {sorted(missing)}"


def test_chinese_is_complete_and_compiled() -> None:
    with (LOCALES / "zh_CN" / "LC_MESSAGES" / "linli.po").open("rb") as po:
        untranslated = [m.id for m in read_po(po) if m.id and (not m.string or m.fuzzy)]
    assert not untranslated
    i18n = build_i18n("zh_CN")
    with i18n.context(), i18n.use_locale("zh_CN"):
        assert i18n.gettext("Which flat is yours?") == "您住哪一户？"
    with i18n.context(), i18n.use_locale("en"):
        assert i18n.gettext("Which flat is yours?") == "Which flat is yours?"
