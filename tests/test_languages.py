"""Language packs: a text gets the core packs and the packs of its language, told by --lang, by a
record's own field, or from its stopwords; the log says which language's packs ran."""
from __future__ import annotations

import json

import pytest
import yaml

from cleaner import Cleaner
from cleaner.language import code_of, detect
from cleaner.model import CleanerError
from cleaner.rules import default_rules_dir, load_packs, pack_files
from conftest import run_cli

GERMAN = ("Der Stadtrat hat am Dienstag beschlossen, die alte Bibliothek im Zentrum zu schließen, und viele "
          "Bürger sind mit dieser Entscheidung nicht einverstanden, weil sie das Haus seit Jahren nutzen.")
FRENCH = ("Le conseil municipal a décidé mardi de fermer la vieille bibliothèque du centre, et beaucoup "
          "d'habitants ne sont pas d'accord avec cette décision, car ils y vont depuis des années.")
ENGLISH = ("The town council decided on Tuesday to close the old library in the centre, and many residents "
           "do not agree with the decision, because they have used the building for years.")
LANGS = ("de", "en", "es", "fr", "it", "nl", "pl", "pt")


def _packs(tmp_path, lang="de", folder=None, pack_languages=True, rule_languages=None):
    where = tmp_path / (folder if folder is not None else lang)
    where.mkdir(parents=True, exist_ok=True)
    rule = {"id": f"{lang}-more-on", "description": "A related-links heading.", "triggers": ["mehr zum thema"],
            "pattern": "^Mehr zum Thema$"}
    if rule_languages:
        rule["languages"] = rule_languages
    pack = {"category": "related", "description": "d", "rules": [rule]}
    if pack_languages:
        pack["languages"] = [lang]
    (where / "45-related.yaml").write_text(yaml.safe_dump(pack, allow_unicode=True), encoding="utf-8")
    core = tmp_path / "10-core.yaml"
    core.write_text(yaml.safe_dump({"category": "stray", "rules": [
        {"id": "lone-x", "description": "d", "max_length": 3, "pattern": "^x$"}]}), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("text, lang", [(GERMAN, "de"), (FRENCH, "fr"), (ENGLISH, "en")])
def test_the_language_is_told_by_its_stopwords(text, lang):
    assert detect(text, LANGS) == lang


def test_too_little_text_or_another_language_is_no_language():
    assert detect("Mehr zum Thema", LANGS) is None
    assert detect("Kaupunginvaltuusto päätti tiistaina sulkea vanhan kirjaston keskustassa, ja monet "
                  "asukkaat eivät ole samaa mieltä päätöksestä, koska he ovat käyttäneet sitä vuosia.", LANGS) is None


@pytest.mark.parametrize("value, code", [("de", "de"), ("DE", "de"), ("de-AT", "de"), ("pt_BR", "pt"),
                                         ("deu", None), ("", None), (None, None), (3, None)])
def test_a_records_language_field_gives_a_code(value, code):
    assert code_of(value) == code


def test_a_text_gets_the_core_packs_and_its_languages(tmp_path):
    cleaner = Cleaner(rules=[_packs(tmp_path)])
    assert cleaner.languages == ("de",)
    german = f"x\n{GERMAN}\nMehr zum Thema\n"
    result = cleaner.clean(german)
    assert result.text == f"{GERMAN}\n" and result.language == "de"
    english = f"x\n{ENGLISH}\nMehr zum Thema\n"
    result = cleaner.clean(english)  # English: the core packs only
    assert result.text == f"{ENGLISH}\nMehr zum Thema\n" and result.language is None
    assert cleaner.clean(english, lang="de").text == f"{ENGLISH}\n"  # told, not detected
    assert cleaner.clean(german, lang="none").text == f"{GERMAN}\nMehr zum Thema\n"
    assert Cleaner(rules=[tmp_path], lang="none").clean(german).language is None


def test_a_language_shown_only_once_the_core_packs_ran_is_the_texts(tmp_path):
    # Menus at the top hide the language (too few stopwords in the opening); with them gone, the
    # output reads as German, and a second pass would clean it as German: so the first does.
    cleaner = Cleaner(rules=[_packs(tmp_path)])
    text = "x\n" * 1500 + f"{GERMAN}\nMehr zum Thema\n"
    assert cleaner.language_of(text) is None
    result = cleaner.clean(text)
    assert result.language == "de" and result.text == f"{GERMAN}\n"
    assert cleaner.clean(result.text).removals == ()


def test_english_text_cleans_as_without_language_packs(tmp_path):
    with_packs = Cleaner(rules=[_packs(tmp_path)])
    core_only = Cleaner(rules=[tmp_path / "10-core.yaml"])
    text = f"x\n{ENGLISH}\nMehr zum Thema\n"
    assert with_packs.clean(text) == core_only.clean(text)


def test_a_pack_in_a_language_folder_must_say_its_language(tmp_path):
    with pytest.raises(CleanerError, match="must say languages: \\[de\\]"):
        Cleaner(rules=[_packs(tmp_path, pack_languages=False)])


def test_a_rule_cannot_claim_a_language_its_pack_lacks(tmp_path):
    with pytest.raises(CleanerError, match="not all among the pack's"):
        Cleaner(rules=[_packs(tmp_path, rule_languages=["fr"])])


@pytest.mark.parametrize("bad", [["deutsch"], [], ["DE"], "de"])
def test_languages_must_be_iso_codes(tmp_path, bad):
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"category": "c", "languages": bad, "rules": [
        {"id": "a", "description": "d", "pattern": "x"}]}), encoding="utf-8")
    with pytest.raises(CleanerError, match="languages"):
        Cleaner(rules=[path])


def test_a_bad_lang_option_is_one_line():
    with pytest.raises(CleanerError, match="ISO 639-1"):
        Cleaner(lang="german")
    proc = run_cli("clean", "--lang", "german", input=b"x\n")
    assert proc.returncode == 2 and proc.stderr.decode().count("\n") == 1 and "ISO 639-1" in proc.stderr.decode()


def test_the_cli_takes_lang_and_a_records_language_field(tmp_path):
    _packs(tmp_path)
    german = f"{GERMAN}\nMehr zum Thema\n"
    records = [{"id": "a", "text": german, "metadata": {"language": "de"}},
               {"id": "b", "text": german, "metadata": {"language": "en"}},
               {"id": "c", "text": german, "metadata": {}}]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = run_cli("clean", "--only-rules", tmp_path, "--lang-field", "metadata.language", corpus, "-q")
    got = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert got[0]["text"] == f"{GERMAN}\n" and got[0]["metadata"]["cleaner"]["language"] == "de"
    assert got[1]["text"] == german and "cleaner" not in got[1]["metadata"]  # its field says English
    assert got[2]["text"] == f"{GERMAN}\n"  # no field: detected
    out = run_cli("clean", "--only-rules", tmp_path, "--lang", "none", "-q", input=german.encode())
    assert out.stdout.decode() == german
    log = run_cli("clean", "--only-rules", tmp_path, "--log", "-", "-q", input=german.encode()).stderr.decode()
    assert json.loads(log.splitlines()[0])["language"] == "de"


def test_rules_list_shows_languages_and_filters_by_one(tmp_path):
    _packs(tmp_path)
    _packs(tmp_path, lang="fr")
    rows = run_cli("rules", "list", "--only-rules", tmp_path, env_extra={"COLUMNS": "150"}).stdout.decode().splitlines()
    assert rows[0].split()[:4] == ["ORDER", "ID", "CATEGORY", "LANGUAGES"]
    assert [r.split()[1:4] for r in rows[1:]] == [["lone-x", "stray", "all"], ["de-more-on", "related", "de"],
                                                  ["fr-more-on", "related", "fr"]]
    rows = run_cli("rules", "list", "--only-rules", tmp_path, "--lang", "de", env_extra={"COLUMNS": "150"}).stdout.decode().splitlines()
    assert [r.split()[1] for r in rows[1:]] == ["lone-x", "de-more-on"]


def test_every_shipped_language_pack_sits_in_its_languages_folder():
    packs = load_packs([default_rules_dir()])
    assert {p.path for p in packs} == set(pack_files([default_rules_dir()]))
    for pack in packs:
        folder = pack.path.split("/")[-2]
        assert pack.languages == ((folder,) if len(folder) == 2 else ()), pack.path


def test_rules_test_of_a_shipped_language_folder_tests_its_rules():
    # The folder is among the defaults too: named again, it loads once and its rules are the ones tested.
    proc = run_cli("rules", "test", "rules/de")
    assert proc.returncode == 0, proc.stdout.decode()
    tested = int(proc.stdout.decode().split(" rules,")[0].split()[-1])
    assert tested == sum("/de/" in r.path for r in Cleaner(check=False).rules) > 0


def test_eval_says_which_language_packs_ran(tmp_path):
    _packs(tmp_path)
    records = tmp_path / "r.jsonl"
    rows = [{"id": "de", "noisy": f"{GERMAN}\nMehr zum Thema", "labels": ["body", "boilerplate"]},
            {"id": "en", "noisy": f"{ENGLISH}\nMehr zum Thema", "labels": ["body", "boilerplate"]}]
    records.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = run_cli("eval", records, "--only-rules", tmp_path, "--json")
    assert json.loads(out.stdout)["language_packs"] == {"de": 1}
    text = run_cli("eval", records, "--only-rules", tmp_path).stdout.decode()
    assert "language packs that ran: de (1 document)" in text
