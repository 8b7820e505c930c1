"""History page: every session newest first; open, resume, annotate, delete; export and import CSV; delete all."""

import streamlit as st

from core.data import history
from core.data.csvio import MAX_IMPORT_BYTES, CsvError, export_csv, import_csv
from core.data.store import StoreError
from core.session.vocabulary import SessionKind
from core.session.words import count
from ui.account import delete_all
from ui.frame import store_or_example, through_app
from ui.report import download
from ui.text import alert, plain
from ui.views import checked_upload, listing, opened, opened_summary, sessions_list

through_app()
st.title("History")
store, is_example = store_or_example()
read_only = "The example data is read-only." if is_example else None
view = listing(store)  # cached until the store changes
sessions, labels = view.sessions, view.labels
if flash := st.session_state.pop("history_flash", None):  # (kneeclick's words, the id or file name they are about)
    alert("success", *flash)

if sessions.empty:
    st.info("No sessions yet. Start one on the Session page, import a CSV file below, or switch on the example data.")
else:
    sessions_list(view)
    ids, linked = list(labels), st.query_params.get("open")  # ?open=<session id> opens one by link
    chosen = st.selectbox(
        "Open a session", ids, format_func=labels.get, index=ids.index(linked) if linked in ids else None,
        key="open", placeholder="Choose a session to see its results",
    )  # fmt: skip
    if chosen:
        st.query_params["open"] = chosen
    else:
        st.query_params.pop("open", None)
    if chosen:
        row = sessions.set_index("id").loc[chosen]
        shown = opened(store, chosen)
        session = shown.session
        st.subheader(f"{history.safe_date(row['session_date'])} · {history.safe_side(row['side'])} leg")
        plain(f"{history.STATUS_LABELS.get(row['status'], row['status'])} · {history.conditions_line(row)} · id {chosen}")
        if session.kind is SessionKind.QUICK_CHECK and session.baseline is not None:  # its one test
            st.text(f"Quick check: {count(session.baseline.clicks, 'click')} in {count(session.baseline.reps, 'rep')}.")
        if session.stop_reason:
            st.text(f"Stopped: {session.stop_reason}")
        if row["status"] == "in_progress" and not is_example:
            st.page_link("pages/session.py", label="Resume this session", icon=":material/play_arrow:",
                         query_params={"session": chosen})  # fmt: skip
        opened_summary(shown)
        with st.form("note_form", border=False):
            note = st.text_area("Note", value=session.notes or "", max_chars=store.MAX_NOTE_CHARS, disabled=is_example,
                                help=read_only or "Anything worth remembering: sleep, warm-up, where you did it.")  # fmt: skip
            if st.form_submit_button("Save note", disabled=is_example):
                store.set_note(chosen, note)
                st.session_state["history_flash"] = ("Note saved.", None)
                st.rerun()
        with st.container(horizontal=True):
            st.download_button(
                "Download this session (CSV)", data=lambda: export_csv(store, [chosen]), file_name=f"kneeclick-{chosen}.csv",
                mime="text/csv", on_click="ignore", icon=":material/download:", key="export_one",
            )  # fmt: skip
            if st.button("Delete this session", icon=":material/delete:", disabled=is_example, help=read_only):
                st.session_state["confirm_delete"] = chosen
        if st.session_state.get("confirm_delete") == chosen:
            name = f"{row['session_date']}, {row['side']} leg, id {chosen}"  # plain text only: the id may be anything
            alert("warning", "Delete this session with all its tests? This cannot be undone.", name)
            with st.container(horizontal=True):
                if st.button("Yes, delete this session", type="primary", key="confirm_delete_yes"):
                    store.delete_session(chosen)
                    st.session_state.pop("confirm_delete")
                    st.session_state["history_flash"] = ("Deleted the session.", name)
                    st.query_params.pop("open", None)
                    st.rerun()
                if st.button("Cancel", key="confirm_delete_no"):
                    st.session_state.pop("confirm_delete")
                    st.rerun()

st.header("Your data")
if not sessions.empty:
    download(store, key="report-history")
    st.download_button(
        "Download all sessions (CSV)", data=lambda: export_csv(store), file_name="kneeclick-sessions.csv",
        mime="text/csv", on_click="ignore", icon=":material/download:", key="export_all",
    )  # fmt: skip
if is_example:
    st.caption("Switch off the example data to import into your own sessions.")
else:
    upload_key = f"upload-{st.session_state.get('upload_round', 0)}"
    upload = st.file_uploader("Import sessions from a CSV file", type=["csv", "txt"], key=upload_key,
                              max_upload_size=MAX_IMPORT_BYTES // 2**20,
                              help="kneeclick's CSV schema (see the README). Checked in full first: if anything is "
                              "wrong, nothing is imported.")  # fmt: skip
    if upload is not None:
        data = upload.getvalue()
        check = checked_upload(store, upload.file_id, data)  # checked once per file and store revision, not per rerun
        file_name = f"File: {upload.name}"
        if isinstance(check, CsvError):
            e = check
            alert("error", f"{count(e.total, 'problem')} found, nothing was imported. "
                  "Fix them and upload the file again.", file_name)  # fmt: skip
            st.container(key="problems").dataframe(history.problems_table(e), hide_index=True)
        elif isinstance(check, StoreError):
            alert("error", "The file could not be checked against the store.", str(check))
        else:
            alert("info", f"{check.rows} rows, all valid; {check.summary()}.", file_name, icon=":material/fact_check:")
            if check.new_sessions and st.button(f"Import {count(len(check.new_sessions), 'session')}", type="primary",
                                                key="import"):  # fmt: skip
                try:
                    done = import_csv(store, data)
                except (CsvError, StoreError) as e:
                    alert("error", "Nothing was imported.", str(e))
                else:
                    st.session_state["history_flash"] = (f"Import done: {done.summary()}.", file_name)
                    st.session_state["upload_round"] = st.session_state.get("upload_round", 0) + 1
                    st.rerun()
if not is_example and not sessions.empty:
    delete_all(store, flash_key="history_flash")
