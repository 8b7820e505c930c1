"""A writer process for the concurrency tests: records tests into a session and reports each commit.

``python -m tests.store_writer URL SESSION_ID REPS COUNT`` records COUNT tests (COUNT 0: forever)
with ``reps=REPS`` and ``clicks=i`` (i = 0, 1, ...), and prints ``committed REPS i`` on stdout,
flushed, only after ``record_test`` returned: every printed line is a promise the store must keep.
"""

import sys

from core.data.store import Store


def main() -> None:
    url, session_id, reps, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = Store.open(url)
    print("ready", flush=True)
    i = 0
    while count == 0 or i < count:
        store.record_test(session_id, reps, i % (reps * 10 + 1))
        print(f"committed {reps} {i}", flush=True)
        i += 1
    store.engine.dispose()


if __name__ == "__main__":
    main()
