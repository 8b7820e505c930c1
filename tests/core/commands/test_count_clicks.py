"""`kneeclick count-clicks FILE.wav [--json]`: the count on stdout, doubts on stderr, bad files one line."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest

from core.cli import main
from core.audio.synth import synth_recording, wav_bytes, write_wav
from tests.helpers import ROOT


def kneeclick(*args, stdin: bytes | None = None):
    """The real command in its own process: exit status, stdout, stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True, input=stdin, timeout=300
    )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.fixture
def run(capsys, monkeypatch):
    """The same command through core.cli.main in this process (fast): exit status, stdout, stderr."""

    def call(*args, stdin: bytes | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


@pytest.fixture(scope="module")
def knee_wav(tmp_path_factory):
    r = synth_recording(11, sample_rate=44100, duration_s=10.0, n_clicks=9, n_thumps=4)
    return r, write_wav(tmp_path_factory.mktemp("wav") / "knee.wav", r.samples, 44100)


def test_help_lists_count_clicks():
    code, out, _ = kneeclick("--help")
    assert code == 0 and "count-clicks" in out


def test_prints_the_count_alone(knee_wav):
    r, path = knee_wav
    code, out, err = kneeclick("count-clicks", str(path))
    assert code == 0, err
    assert abs(int(out.strip()) - r.n_clicks) <= 1
    assert err == ""


def test_json_has_count_times_and_quality(knee_wav, run):
    r, path = knee_wav
    code, out, err = run("count-clicks", str(path), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["count"] == len(data["times_s"])
    assert abs(data["count"] - r.n_clicks) <= 1
    assert all(min(abs(t - c) for c in r.click_times_s) < 0.005 for t in data["times_s"])
    assert data["quality"]["verdict"] == "ok" and data["quality"]["issues"] == []
    assert data["sample_rate"] == 44100 and data["duration_s"] == 10.0


def test_doubts_go_to_stderr_and_the_count_stays_clean(tmp_path, run):
    r = synth_recording(12, duration_s=8.0, n_clicks=6, speech_dbfs=-28.0)
    path = write_wav(tmp_path / "talking.wav", r.samples, 16000)
    code, out, err = run("count-clicks", str(path))
    assert code == 0
    assert abs(int(out.strip()) - 6) <= 1
    assert err.startswith("warning: Talking")


def test_reads_stdin_with_a_dash(run):
    r = synth_recording(13, duration_s=5.0, n_clicks=4)
    code, out, _ = run("count-clicks", "-", stdin=r.wav_bytes())
    assert code == 0 and abs(int(out) - 4) <= 1


def test_a_silent_recording_gives_zero_and_a_warning(tmp_path, run):
    path = write_wav(tmp_path / "silent.wav", np.zeros(16000 * 3), 16000)
    code, out, err = run("count-clicks", str(path))
    assert (code, out.strip()) == (0, "0")
    assert "silent" in err
    code, out, _ = run("count-clicks", str(path), "--json")
    assert json.loads(out)["quality"]["verdict"] == "unusable"


def test_bad_files_give_one_clear_line_and_exit_2(tmp_path, run):
    good = synth_recording(14, duration_s=1.0, n_clicks=1).wav_bytes()
    files = {
        "empty.wav": (b"", "empty"),
        "notes.wav": (b"these are my notes, not audio\n", "not a WAV file"),
        "cut.wav": (good[:30], "damaged"),
        "nothing.wav": (wav_bytes(np.zeros(0), 16000), "holds no audio"),
    }
    for name, (data, words) in files.items():
        (tmp_path / name).write_bytes(data)
    cases = {**{name: words for name, (_, words) in files.items()}, "missing.wav": "no such file", ".": "folder"}
    for name, words in cases.items():
        code, out, err = run("count-clicks", str(tmp_path / name))
        assert code == 2, name
        assert out == "" and "Traceback" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kneeclick count-clicks: "), err
        assert words in lines[0], (name, lines[0])


def test_a_bad_file_in_a_real_process_is_one_line_and_exit_2_never_a_traceback(tmp_path):
    bad = tmp_path / "song.mp3.wav"
    bad.write_bytes(b"ID3\x03\x00" + bytes(2000))
    code, out, err = kneeclick("count-clicks", str(bad), "--json")
    assert code == 2 and out == ""
    assert err == f"kneeclick count-clicks: {bad}: not a WAV file (it does not start with a RIFF/WAVE header)\n"


def test_a_float_recording_with_nan_samples_exits_2_and_is_never_counted(tmp_path, run):
    """Issue 12, finding 9: it used to print 30 with only a 'talking' warning."""
    x = synth_recording(15, duration_s=4.0, n_clicks=4).samples.astype(np.float32)
    x[::40] = np.nan
    path = write_wav(tmp_path / "nan.wav", x, 16000, "float")
    for args in ((str(path),), (str(path), "--json"), ("-",)):
        code, out, err = run("count-clicks", *args, stdin=path.read_bytes() if args == ("-",) else None)
        assert code == 2 and out == "", args
        assert err.startswith("kneeclick count-clicks: ") and "NaN or infinity" in err and err.count("\n") == 1


def test_count_clicks_loads_neither_scipy_nor_pandas_nor_the_store(tmp_path):
    """`kneeclick count-clicks` starts in a fraction of a second: it imports only what counting needs
    (timed in benchmarks/bench_audio.py)."""
    path = write_wav(tmp_path / "r.wav", synth_recording(16, duration_s=3.0, n_clicks=2).samples, 16000)
    code = (
        "import sys; from core.cli import main; rc = main(['count-clicks', sys.argv[1]]);"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'scipy', 'pandas', 'sqlalchemy', 'statsmodels',"
        " 'streamlit', 'altair'}); print('loaded:', *heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    count, loaded = result.stdout.decode().splitlines()
    assert int(count) == 2 and loaded == "loaded:"


def test_the_store_commands_name_the_stores_environment_variable():
    """where, export and import spell KNEECLICK_DB_URL out instead of importing the store for their --help."""
    from core.commands import export, import_, serve, where
    from core.data.schema import ENV_VAR

    assert where.ENV_VAR == export.ENV_VAR == import_.ENV_VAR == serve.ENV_VAR == ENV_VAR
    from core.serve.launch import DEFAULT_PORT

    assert serve.DEFAULT_PORT == DEFAULT_PORT
