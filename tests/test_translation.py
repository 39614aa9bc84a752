"""Indonesian all the way: rule-file problems and argparse's own words, from gettext catalogues.

The catalogues are the contract: every message the code builds with ``tr()`` has an
Indonesian text in ``spmkit.po`` with the same fields, every message argparse can print
has one in ``argparse.po``, and the compiled ``.mo`` files (committed) say the same as the
``.po`` files, so a new English-only message fails here.
"""

from __future__ import annotations

import argparse
import ast
import functools
import gettext
import pickle
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po

import spmkit
from source_tree import parsed
from spmkit._translation import Bilingual, catalogue, gettext_in, tr
from spmkit.cli import main
from spmkit.errors import RuleSetError, RuleSetInvalid, format_errors

SRC = Path(spmkit.__file__).parent
LOCALE = SRC / "locale" / "id" / "LC_MESSAGES"
INVALID = Path(__file__).parent / "data" / "invalid"
BAD_FILES = sorted(INVALID.glob("*.yaml"))


@functools.cache
def _po(domain: str):
    with (LOCALE / f"{domain}.po").open("rb") as handle:
        return read_po(handle)


def _fields(template: str) -> set[str]:
    """The replacement fields of a ``str.format`` template (names with conversion/spec)."""
    return {
        f"{name}!{conversion}:{spec}"
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    }


@functools.cache
def _code_messages() -> frozenset[str]:
    """Every message id of the code: the literal first argument of each ``tr()`` call."""
    found = extract_from_dir(
        str(SRC),
        method_map=[("**.py", "python")],
        keywords={"tr": None},
        comment_tags=(),
        # Babel skips folders starting with "_" by default; the implementation is private.
        directory_filter=lambda path: not Path(path).name.startswith((".", "__")),
    )
    return frozenset(message for _, _, message, *_ in found)


class TestCatalogues:
    def test_every_message_of_the_code_has_its_indonesian(self):
        """A message added English-only (a tr() call without a .po entry) fails here."""
        catalog = _po("spmkit")
        messages = _code_messages()
        assert len(messages) > 180
        untranslated = sorted(
            m for m in messages if m not in catalog or not catalog[m].string or catalog[m].fuzzy
        )
        assert untranslated == []

    def test_no_translation_is_left_over(self):
        """The catalogue holds only messages the code still uses."""
        messages = _code_messages()
        stale = sorted(m.id for m in _po("spmkit") if m.id and m.id not in messages)
        assert stale == []

    def test_translations_keep_every_field(self):
        """Same fields, conversions and formats: {key!r} stays {key!r}, {byte:#04x} too."""
        wrong = [
            (m.id, m.string) for m in _po("spmkit") if m.id and _fields(m.id) != _fields(m.string)
        ]
        assert wrong == []

    def test_every_message_argparse_prints_is_translated(self):
        """Extracted from the running Python's argparse, so a new Python's messages show up."""
        catalog = _po("argparse")
        found = extract_from_file(
            "python", argparse.__file__, keywords={"_": None, "ngettext": (1, 2)}
        )
        ids = {m[0] if isinstance(m, tuple) else m for _, m, _, _ in found}
        assert {"usage: ", "options", "positional arguments"} <= ids
        assert sorted(i for i in ids if i not in catalog or not catalog[i].string) == []

    @pytest.mark.parametrize("domain", ["spmkit", "argparse"])
    def test_compiled_catalogue_matches_its_source(self, domain):
        """The committed .mo says what the .po says (run `make catalogues` after an edit)."""
        with (LOCALE / f"{domain}.mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        differ = []
        for entry in _po(domain):
            if not entry.id:
                continue
            if isinstance(entry.id, tuple):
                got = compiled.ngettext(entry.id[0], entry.id[1], 2)
                expected = entry.string[-1]  # Indonesian has one plural form
            else:
                got, expected = compiled.gettext(entry.id), entry.string
            if got != expected:
                differ.append(entry.id)
        assert differ == []

    def test_rule_file_problems_are_built_with_tr(self):
        """No literal or f-string message reaches a rule-set error or a builder's problem()."""
        errors = {
            "RuleSetError",
            "UnknownNameError",
            "CycleError",
            "UnknownUnitError",
            "UnitMismatchError",
            "ExtendsCycleError",
            "RuleSetNotFoundError",
            "RuleSetInvalid",
            "ExpressionSyntaxError",
        }
        methods = {
            "problem": 1,
            "mapping": 3,
            "number": 2,
            "year": 2,
            "enum_value": 3,
            "_one_of": 0,
        }
        modules = [*sorted((SRC / "_rulesets").glob("*.py")), SRC / "_yamlload.py"]
        modules.append(SRC / "_language" / "parse.py")
        literal: list[str] = []
        for module in modules:
            for node in ast.walk(parsed(module)):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                index = 0 if name in errors else methods.get(name or "", -1)
                if name == "ExpressionSyntaxError":
                    index = 2
                if 0 <= index < len(node.args):
                    argument = node.args[index]
                    if isinstance(argument, ast.JoinedStr) or (
                        isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                    ):
                        literal.append(f"{module.name}:{node.lineno}")
        assert literal == []

    def test_bad_data_values_are_built_with_tr(self):
        """No literal or f-string reaches a DataError's rule or hint, or a DataInvalid heading.

        Every module that raises them is scanned (not a list of files), so a new site
        written English-only fails here; tests/test_translation_data.py checks the texts.
        """
        literal: list[str] = []
        sites = 0
        for module in sorted(SRC.rglob("*.py")):
            if module.name == "errors.py":
                continue
            for node in ast.walk(parsed(module)):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                checked = {"DataError": node.args[2:4], "DataInvalid": node.args[:1]}
                sites += name in checked
                literal.extend(
                    f"{module.relative_to(SRC)}:{node.lineno}"
                    for argument in checked.get(name or "", [])
                    if isinstance(argument, ast.JoinedStr)
                    or (isinstance(argument, ast.Constant) and isinstance(argument.value, str))
                )
        assert sites > 40
        assert literal == []

    def test_the_messages_of_bad_data_values_are_in_the_catalogue(self):
        """The catalogue test above sees the DataError sites (it scans all of src/spmkit)."""
        messages = _code_messages()
        assert {
            "a non-negative finite number",
            "input '{name}' must be {rule} (got {shown}) ({hint})",
            "a count of {unit}: a whole number, 0 or more",
            "at row {row}",
            "lengths differ",
            "person",
        } <= messages


class TestRuleFileProblems:
    @pytest.mark.parametrize("path", BAD_FILES, ids=[p.stem for p in BAD_FILES])
    def test_every_problem_of_a_bad_file_is_in_both_languages(self, path):
        """Each problem: English as before, Indonesian different from it, same place."""
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.load_rule_set(path)
        for error in caught.value.exceptions:
            assert isinstance(error.message, Bilingual), str(error)
            english, indonesian = error.in_lang("en"), error.in_lang("id")
            assert english == str(error)
            assert indonesian != english
            prefix = f"{error.where}: {error.path}: "
            assert english.startswith(prefix)
            assert indonesian.startswith(prefix)

    def test_unknown_input_with_did_you_mean(self):
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "unknown_input.yaml")
        (line,) = format_errors(caught.value, "id")
        assert line.endswith(
            "$.indicators['I.1'].numerator: input 'bumil_k5' tidak dikenal; maksudnya 'bumil_k4'?"
        )
        (english,) = format_errors(caught.value)
        assert english.endswith("unknown input 'bumil_k5'; did you mean 'bumil_k4'?")

    def test_expression_syntax_error_keeps_its_caret(self):
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "syntax_error.yaml")
        (line,) = format_errors(caught.value, "id")
        assert "ekspresi tidak valid: akhir ekspresi tidak terduga di kolom 11" in line
        assert line.endswith("bumil_k4 +\n              ^")

    def test_the_group_heading_is_translated(self):
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.loads_rule_set("spmkit: 2\n", file="x.yaml")
        text = caught.value.in_lang("id")
        assert text.startswith("rule set x.yaml tidak valid: ")
        assert "masalah" in text
        assert "x.yaml:1: $.spmkit: versi format harus 1 (tertulis 2)" in text

    def test_both_languages_survive_pickling(self):
        """Errors cross process boundaries (batch workers) with their Indonesian."""
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.load_rule_set(INVALID / "cycle.yaml")
        copy = pickle.loads(pickle.dumps(caught.value))  # noqa: S301 - our own object
        assert format_errors(copy, "id") == format_errors(caught.value, "id")
        assert "indikator saling merujuk dalam lingkaran" in format_errors(copy, "id")[0]

    def test_a_bilingual_field_is_shown_in_the_language_of_the_text(self):
        message = tr("{what} must be a number (got {value!r})", what=tr("'factor'"), value="x")
        assert message == "'factor' must be a number (got 'x')"
        assert message.in_lang("id") == "'factor' harus berupa angka (tertulis 'x')"
        error = RuleSetError(message, file="r.yaml", line=3, path="$.factor")
        assert (
            error.in_lang("id") == "r.yaml:3: $.factor: 'factor' harus berupa angka (tertulis 'x')"
        )

    def test_a_large_count_is_grouped_the_indonesian_way(self):
        with pytest.raises(RuleSetInvalid) as caught:
            spmkit.loads_rule_set('"' + "x" * 1234 + '"', file="t.yaml")
        (english,) = format_errors(caught.value)
        (indonesian,) = format_errors(caught.value, "id")
        assert "(got text of 1,234 characters)" in english
        assert "(tertulis teks sepanjang 1.234 karakter)" in indonesian


class TestCommandLine:
    def test_check_in_indonesian_keeps_the_places(self, capsys):
        files = [str(INVALID / name) for name in ("unknown_input.yaml", "cycle.yaml")]
        assert main(["check", *files]) == 2
        english = capsys.readouterr().out.splitlines()
        assert main(["check", *files, "--lang", "id"]) == 2
        indonesian = capsys.readouterr().out.splitlines()
        assert len(indonesian) == len(english) == 2
        for en, id_ in zip(english, indonesian, strict=True):
            place = en.split(": ")[0] + ": " + en.split(": ")[1]
            assert id_.startswith(place)
            assert id_ != en
        assert indonesian[1].endswith(
            "indikator saling merujuk dalam lingkaran: @I.1 -> @I.2 -> @I.1"
        )

    def test_evaluate_with_a_bad_rule_file_in_indonesian(self, capsys, tmp_path):
        data = tmp_path / "d.json"
        data.write_text('{"bumil_k4": 1}', encoding="utf-8")
        bad = str(INVALID / "unknown_input.yaml")
        assert main(["evaluate", bad, str(data), "--lang", "id"]) == 2
        err = capsys.readouterr().err
        assert "input 'bumil_k5' tidak dikenal; maksudnya 'bumil_k4'?" in err

    def test_the_unverified_note_in_indonesian(self, capsys):
        """The hint on unverified values follows --lang like the rest of the output."""
        example = str(Path(__file__).parents[1] / "examples" / "kulon-progo-2011.yaml")
        main(["evaluate", "permenkes-4-2019", example, "--lang", "id"])
        err = capsys.readouterr().err
        assert "spmkit: catatan: rule set 'permenkes-4-2019': " in err
        assert "nilai belum diverifikasi (indikator 1, 2, 3" in err
        assert "'spmkit show permenkes-4-2019 --provenance' mendaftarnya" in err
        main(["evaluate", "permenkes-4-2019", example, "--lang", "en"])
        assert "values unverified (indicators 1, 2, 3" in capsys.readouterr().err

    @pytest.mark.parametrize(
        "argv", [["--lang", "id", "evaluate", "--help"], ["evaluate", "--help", "--lang", "id"]]
    )
    def test_help_in_indonesian_either_order(self, capsys, argv):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith("penggunaan: spmkit evaluate [-h]")
        assert "\nargumen posisional:\n" in out
        assert "\nopsi:\n" in out
        assert "tampilkan pesan bantuan ini lalu keluar" in out
        assert "usage:" not in out
        assert "show this help" not in out

    def test_top_level_help_in_indonesian(self, capsys):
        with pytest.raises(SystemExit):
            main(["--help", "--lang", "id"])
        out = capsys.readouterr().out
        assert out.startswith("penggunaan: spmkit [-h]")
        assert "tampilkan nomor versi program lalu keluar" in out

    def test_missing_argument_is_an_indonesian_usage_error(self, capsys):
        with pytest.raises(SystemExit) as caught:
            main(["diff", "kulon-progo-2011", "--lang", "id"])
        assert caught.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("penggunaan: spmkit diff")
        assert "spmkit diff: kesalahan: argumen berikut wajib diisi: b" in err

    def test_invalid_choice_in_indonesian(self, capsys):
        with pytest.raises(SystemExit) as caught:
            main(["evaluate", "--lang", "id", "--number-format", "de"])
        assert caught.value.code == 2
        assert "argumen --number-format: pilihan tidak valid: 'de'" in capsys.readouterr().err

    def test_unrecognised_argument_in_indonesian(self, capsys):
        with pytest.raises(SystemExit) as caught:
            main(["list", "--lang", "id", "--bogus"])
        assert caught.value.code == 2
        assert "kesalahan: argumen tidak dikenal: --bogus" in capsys.readouterr().err

    def test_help_in_indonesian_from_the_environment(self, capsys, monkeypatch):
        """SPMKIT_LANG=id (or LANG=id_ID) without --lang: argparse's words in Indonesian too."""
        monkeypatch.setenv("SPMKIT_LANG", "id")
        with pytest.raises(SystemExit):
            main(["check"])
        err = capsys.readouterr().err
        assert err.startswith("penggunaan: spmkit check")
        assert "kesalahan: argumen berikut wajib diisi: files" in err

    def test_missing_argument_in_english_by_default(self, capsys, monkeypatch):
        monkeypatch.delenv("SPMKIT_LANG", raising=False)
        monkeypatch.setenv("LANG", "C.UTF-8")
        with pytest.raises(SystemExit):
            main(["diff", "kulon-progo-2011"])
        err = capsys.readouterr().err
        assert "the following arguments are required: b" in err
        assert err.startswith("usage: spmkit diff")

    def test_argparse_is_left_as_it_was(self, capsys):
        """The Indonesian catalogue is used only while spmkit parses its command line."""
        with pytest.raises(SystemExit):
            main(["evaluate", "--help", "--lang", "id"])
        capsys.readouterr()
        assert argparse.ArgumentParser(prog="x").format_usage() == "usage: x [-h]\n"
        assert gettext_in("argparse", "usage: ", "en") == "usage: "
        assert catalogue("argparse").gettext("usage: ") == "penggunaan: "
