"""Every interface text the pages ask for exists in German and English (an unknown key would show as itself)."""

from __future__ import annotations

import re
from pathlib import Path

from ivr.hotline import worklist
from ivr.hotline.callbacks import CLOSE_OUTCOMES
from ivr.web import i18n

ROOT = Path(__file__).resolve().parents[3] / "ivr"
LITERAL = re.compile(r"""\b(?:t|translate)\(\s*["']([a-z0-9_]+)["']\s*\)""")
TASK_ERROR = re.compile(r"""TaskError\(\s*["']([a-z0-9_]+)["']""")
HISTORY_KIND = re.compile(r"""record_step\([^)]*?,\s*["']([a-z_]+)["']|kind=["']([a-z_]+)["']""")


def _sources(*patterns: str) -> list[Path]:
    return [path for pattern in patterns for path in sorted(ROOT.rglob(pattern))]


def test_every_literal_key_in_templates_and_code_has_both_languages():
    used = {key for path in _sources("*.html", "*.py") for key in LITERAL.findall(path.read_text(encoding="utf-8"))}
    used |= {key for path in _sources("*.py") for key in TASK_ERROR.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 50  # the scan finds the pages' keys at all
    assert sorted(used - set(i18n.TEXT)) == []
    assert all(len(pair) == len(i18n.UI_LANGS) and all(pair) for pair in i18n.TEXT.values())


def test_every_history_step_and_outcome_a_task_page_can_show_is_translated():
    kinds = {k for path in (ROOT / "hotline" / "worklist.py", ROOT / "hotline" / "callbacks.py")
             for pair in HISTORY_KIND.findall(path.read_text(encoding="utf-8")) for k in pair if k}
    assert {"claim", "close", "claim_expired"} <= kinds
    outcomes = set(worklist.OUTCOMES) | set(worklist.REACHED.values()) | {"unreachable", "erased"} | CLOSE_OUTCOMES
    missing = sorted(({f"h_{k}" for k in kinds} | {f"o_{o}" for o in outcomes}) - set(i18n.TEXT))
    assert missing == []
