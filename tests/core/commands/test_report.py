"""`kneeclick report`: the PDF for a physiotherapist from a real store, written whole or not at all."""

import io

import pytest
from pypdf import PdfReader

from core.cli import main
from core.data.csvio import import_csv
from core.data.sample import SAMPLE_CSV


def text_of(path) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)


def test_report_writes_one_pdf_of_the_store(store, db_url, tmp_path, capsys):
    import_csv(store, SAMPLE_CSV)
    store.start_program("left", "quadriceps", verdict="possible")
    out = tmp_path / "knee.pdf"
    assert main(["report", "--db", db_url, "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    text = text_of(out)
    assert "Left knee" in text and "Quadriceps (possible)" in text and "Quadriceps, 6 weeks from" in text
    assert f"to {out}" in capsys.readouterr().err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".knee.pdf")], "no temporary file is left behind"


def test_report_for_one_side(store, db_url, tmp_path):
    import_csv(store, SAMPLE_CSV)  # the example is a left knee
    out = tmp_path / "right.pdf"
    assert main(["report", "--side", "right", "--db", db_url, "-o", str(out)]) == 0
    text = text_of(out)
    assert "Right knee" in text and "Left knee" not in text


def test_a_folder_that_does_not_exist_writes_nothing_and_says_so(store, db_url, tmp_path, capsys):
    out = tmp_path / "missing" / "knee.pdf"
    assert main(["report", "--db", db_url, "-o", str(out)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not out.parent.exists()


def test_an_unknown_side_is_refused_by_the_parser(db_url, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["report", "--side", "middle", "--db", db_url, "-o", str(tmp_path / "x.pdf")])
    assert exited.value.code == 2
    assert "invalid choice: 'middle'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
