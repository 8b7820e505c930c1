"""`kneeclick plan FILE... --side left|right [--json]`: the JSON contract, no file, one session, a settled
answer, a leg with no control, and clear errors."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from core.analysis.planner import DEFAULT_SECONDS, session_seconds
from core.analysis.simulate import Person, make_person, simulate_sessions
from core.cli import main
from core.data.csvio import write_csv
from core.session import flow
from core.session.vocabulary import MAX_REPS, MuscleGroup
from tests.helpers import ROOT

FIELDS = ["side", "conditions", "reps", "stretch_seconds", "seed", "why", "stop"]


def plan_json(capsys, *args) -> list[dict]:
    assert main(["plan", *args, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def check_contract(o: dict, side: str) -> None:
    assert list(o) == FIELDS, "exactly the contract's fields, in its order"
    assert o["side"] == side
    groups = [MuscleGroup(c) for c in o["conditions"]]
    assert MuscleGroup.REST_CONTROL in groups and len(set(groups)) == len(groups)
    assert sum(not g.is_control for g in groups) >= 1
    assert isinstance(o["reps"], int) and 1 <= o["reps"] <= MAX_REPS
    assert isinstance(o["stretch_seconds"], int) and 60 <= o["stretch_seconds"] <= 120
    assert isinstance(o["seed"], int) and isinstance(o["stop"], bool)
    assert isinstance(o["why"], str) and o["why"].strip()
    assert session_seconds(len(groups), o["reps"], o["stretch_seconds"]) <= DEFAULT_SECONDS, "never longer"
    listed = sorted(groups, key=list(MuscleGroup).index)
    assert flow.plan_order(listed, True, o["seed"]) == groups, "the seed re-derives the running order"


def person(effects: dict, **kw) -> Person:
    base = dict(base_rate=1.2, drift=0.97, carry=0.2, fade=0.7, day_sd=0.15, shape=15.0, miscount=0.0)
    return Person(effects={g: 1.0 for g in ("quadriceps", "hamstrings", "calves", "hip_abductors")} | effects,
                  **(base | kw))


def write(path, frame):
    write_csv(frame, path)
    return str(path)


def test_json_one_object_per_file_in_input_order_with_exactly_the_contract_fields(tmp_path, capsys):
    rng = np.random.default_rng(5)
    a = write(tmp_path / "a.csv", simulate_sessions(make_person(rng, 1), 1, rng, side="left", prefix="A"))
    b = write(tmp_path / "b.csv", simulate_sessions(make_person(rng, 1), 3, rng, side="left", prefix="B"))
    both = pd.concat([simulate_sessions(make_person(rng, 0), 2, rng, side="right", prefix="R"),
                      simulate_sessions(make_person(rng, 1), 2, rng, side="left", prefix="L")])
    c = write(tmp_path / "c.csv", both)
    objects = plan_json(capsys, b, a, c, "--side", "left")
    assert len(objects) == 3
    for o in objects:
        check_contract(o, "left")
    # in input order: each object is the plan of its own file
    for path, o in zip((b, a, c), objects):
        assert plan_json(capsys, path, "--side", "left") == [o]


def test_no_file_gives_the_default_first_session(capsys):
    (o,) = plan_json(capsys, "--side", "right")
    check_contract(o, "right")
    assert sorted(o["conditions"]) == sorted(g.value for g in flow.DEFAULT_CONDITIONS)
    assert (o["reps"], o["stretch_seconds"], o["stop"]) == (flow.DEFAULT_REPS, flow.DEFAULT_STRETCH_SECONDS, False)
    assert "first session" in o["why"]


def test_one_session_gives_a_second_session_and_the_same_data_the_same_plan(tmp_path, capsys):
    rng = np.random.default_rng(11)
    f = write(tmp_path / "one.csv", simulate_sessions(person({"calves": 0.4}), 1, rng))
    (o,) = plan_json(capsys, f, "--side", "left")
    check_contract(o, "left")
    assert o["stop"] is False, "one session never settles the answer"
    assert "calves" in o["conditions"]
    assert plan_json(capsys, f, "--side", "left") == [o], "the seed comes from the data: one answer per file"
    # the other leg has no sessions in this file: its first session is the default one
    (right,) = plan_json(capsys, f, "--side", "right")
    assert right["reps"] == flow.DEFAULT_REPS and "first session" in right["why"]


def test_a_settled_answer_says_stop_and_names_the_group(tmp_path, capsys):
    rng = np.random.default_rng(3)
    f = write(tmp_path / "settled.csv", simulate_sessions(person({"calves": 0.3}, base_rate=2.0), 8, rng, reps=15))
    (o,) = plan_json(capsys, f, "--side", "left")
    check_contract(o, "left")
    assert o["stop"] is True
    assert "calves" in o["why"] and "already answer" in o["why"]
    assert main(["plan", f, "--side", "left"]) == 0
    assert "not needed" in capsys.readouterr().out


def test_a_leg_with_no_control_gets_one_in_its_next_session(tmp_path, capsys):
    rng = np.random.default_rng(8)
    f = write(tmp_path / "nocontrol.csv", simulate_sessions(person({"hamstrings": 0.5}), 2, rng, control=False))
    (o,) = plan_json(capsys, f, "--side", "left")
    check_contract(o, "left")
    assert o["stop"] is False
    assert "rest_control" in o["conditions"] and "no rest control" in o["why"]


def test_a_bad_file_stops_the_command_before_any_output_with_exit_code_2(tmp_path):
    good = write(tmp_path / "good.csv", simulate_sessions(person({}), 1, np.random.default_rng(1)))
    bad = tmp_path / "bad.csv"
    bad.write_text("session_id,side\nx,left\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "core.cli", "plan", good, str(bad), "--side", "left", "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("kneeclick plan: ") and "bad.csv" in result.stderr
    missing = subprocess.run([sys.executable, "-m", "core.cli", "plan", "--json"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert missing.returncode == 2 and "--side" in missing.stderr
