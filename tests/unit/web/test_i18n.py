"""Every interface text the pages, exports, charts and drawings ask for exists in German and English, and the committed
.mo files are the compiled .po files (an unknown key would show as itself)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from ivr.core.roles import ROLES
from ivr.flowops import graph
from ivr.hotline import worklist
from ivr.hotline.callbacks import CLOSE_OUTCOMES
from ivr.settings import load_config
from ivr.store import jobqueue
from ivr.web import errors
from ivr.web import i18n
from ivr.web.admin import jobs
from ivr.web.supervisors import dashboard
from ivr.web.supervisors import export
from ivr.web.workbench import views as workbench

REPO = Path(__file__).resolve().parents[3]
ROOT = REPO / "ivr"
TASK_ERROR = re.compile(r"""TaskError\(\s*["']([a-z0-9_]+)["']""")
RESULT = re.compile(r"""^\s+return ["']([a-z_]+)["']$""", re.M)  # a workbench action's flashed result
SIM_NOTE = re.compile(r"""Note\(\s*["']([a-z_]+)["']""")  # the browser phone's notes: sim_note_<key>
HISTORY_KIND = re.compile(r"""record_step\([^)]*?,\s*["']([a-z_]+)["']|kind=["']([a-z_]+)["']""")


def _po(lang: str):
    with open(i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _used_keys() -> set[str]:
    """Every literal key of t(...) and translate(...), found by Babel's extractors through babel.cfg."""
    with open(REPO / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords={"t": None, "translate": None})
    return {message if isinstance(message, str) else message[0] for _file, _line, message, _c, _ctx in found}


def _families() -> set[str]:
    """The keys composed at run time: outcomes and history steps, roles, bodies, error pages, exports, drawings."""
    kinds = {k for path in (ROOT / "hotline" / "worklist.py", ROOT / "hotline" / "callbacks.py")
             for pair in HISTORY_KIND.findall(path.read_text(encoding="utf-8")) for k in pair if k}
    assert {"claim", "close", "claim_expired"} <= kinds
    outcomes = set(worklist.OUTCOMES) | set(worklist.REACHED.values()) | {"unreachable", "erased"} | CLOSE_OUTCOMES
    views = "".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "web" / "workbench").glob("*.py")))
    bodies = {desk.body for desk in load_config(REPO / "config.yaml").desks.values()}
    notes = set(SIM_NOTE.findall((ROOT / "flowops" / "simulator.py").read_text(encoding="utf-8")))
    assert {"offered", "answered", "left"} <= notes
    return ({f"h_{k}" for k in kinds} | {f"o_{o}" for o in outcomes} | {f"ua_role_{r}" for r in ROLES}
            | {f"ua_body_{b}" for b in bodies} | set(TASK_ERROR.findall(views)) | set(RESULT.findall(views))
            | {f"e_title_{c}" for c in errors.PAGES} | {f"e_text_{c}" for c in errors.PAGES}
            | {f"csv_{c}" for c in workbench.CSV_COLUMNS} | {f"dx_{k}" for k in export.CALLBACK_FIGURES}
            | {f"jq_{q}" for q in jobqueue.QUEUE_NAMES} | set(jobs.JOB_NAMES.values())
            | {f"co_{o}" for o in dashboard.OUTCOMES} | {f"wd_{d}" for d in dashboard.WEEKDAYS}
            | {f"wd_{d}" if d in graph.DAYS else f"g_{d}" for d in graph.WORDS} | {f"sim_note_{n}" for n in notes})


def test_every_key_in_templates_and_code_has_a_text_in_both_languages():
    used = _used_keys()
    assert {"my_desks", "d_title", "j_title", "e_home", "d_period"} <= used  # templates, views and kwargs calls
    families = _families()
    assert len(families) > 60
    for lang in i18n.UI_LANGS:
        texts = i18n.catalog(lang)
        assert sorted((used | families) - set(texts)) == [], lang
        assert [key for key, text in texts.items() if not text.strip()] == [], lang


def test_both_catalogs_have_the_same_keys_and_placeholders():
    de, en = _po("de"), _po("en")
    assert {m.id for m in de if m.id} == {m.id for m in en if m.id}
    for message in de:
        if message.id:
            assert set(re.findall(r"{\w+}", message.string)) == set(re.findall(r"{\w+}", en[message.id].string)), \
                message.id


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_committed_mo_file_is_the_compiled_po_file(lang):
    with open(i18n.TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    source = _po(lang)
    assert {m.id: m.string for m in compiled if m.id} == {m.id: m.string for m in source if m.id and not m.fuzzy}, \
        "run: .venv/bin/pybabel compile -d ivr/translations"


def test_one_word_for_a_desk_in_each_language():
    de = " ".join(i18n.catalog("de").values())
    en = " ".join(i18n.catalog("en").values())
    assert "Stelle" in de and not re.search(r"Theke|\bTeam\b", de)  # "Teamleitung" is a role, not a desk
    assert "desk" in en and not re.search(r"\bcounter|\bteam\b", en, re.I)
    prompts = (REPO / "flows" / "prompts.yaml").read_text(encoding="utf-8")
    assert not re.search(r"\bde: .*(Theke|Team\b)", prompts) and not re.search(r"\ben: .*\bteam\b", prompts)


def test_a_page_follows_the_chosen_language_and_remembers_it(people):
    anna = people("anna", role="admin")
    assert '<html lang="de">' in anna.get("/staff/").get_data(as_text=True)
    english = anna.get("/dashboard/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Hotline figures" in english and "Calls by weekday and hour" in english
    assert "Kennzahlen" not in english and "Anrufe" not in english
    jobs = anna.get("/admin/jobs/").get_data(as_text=True)  # the session keeps English
    assert "Background jobs (RQ)" in jobs and "Hintergrund" not in jobs


def test_csv_headers_in_the_interface_language(people, make_task):
    make_task()
    anna = people("anna")
    for lang, header in (("de", ["Nr", "Stelle", "Telefon", "Sprache"]), ("en", ["id", "desk", "phone", "language"])):
        text = anna.get(f"/staff/desks/zebera/export.csv?lang={lang}").get_data(as_text=True).lstrip("\ufeff")
        assert next(csv.reader(io.StringIO(text), delimiter=";"))[:4] == header


def test_outside_a_request_the_texts_are_german_and_an_unknown_key_shows_as_itself(app):
    with app.app_context():
        assert i18n.translate("desk") == "Stelle"
        assert i18n.translate("ua_password_hint", n=12) == "Mindestens 12 Zeichen."
        assert i18n.translate("no_such_key") == "no_such_key"
    assert i18n.known("desk") and not i18n.known("no_such_key")
