import csv

from core.data.csvio import read_csv
from core.session.vocabulary import MuscleGroup, Side
from core.data.sample import SAMPLE_CSV, load_sample_store
from core.data.store import CSV_COLUMNS


def test_sample_file_follows_the_csv_schema():
    with SAMPLE_CSV.open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert tuple(header[: len(CSV_COLUMNS)]) == CSV_COLUMNS
    frame = read_csv(SAMPLE_CSV)
    assert frame["session_id"].nunique() >= 5
    assert set(frame["muscle_group"]) <= {g.value for g in MuscleGroup}
    assert "rest_control" in set(frame["muscle_group"])
    assert set(frame["side"]) <= {s.value for s in Side}
    # each session is a chain: a retest is the next condition's "before"
    for _, rows in frame.groupby("session_id"):
        rows = rows.sort_values("position")
        assert rows["position"].tolist() == list(range(1, len(rows) + 1))
        assert rows["clicks_after"].tolist()[:-1] == rows["clicks_before"].tolist()[1:]


def test_sample_store_reproduces_the_file_and_stays_apart_from_the_users_store(store):
    sample = load_sample_store()
    assert sample.trials_frame()[list(CSV_COLUMNS)].equals(read_csv(SAMPLE_CSV)[list(CSV_COLUMNS)])
    assert store.list_sessions().empty  # loading the example touched nothing of the person's own
