// The recordings kept in this browser until their test is saved (IndexedDB; shared by the recorder and
// the component that forgets saved tests). One entry per test: the key names the session and the test.
const KC_DB = "kneeclick-recordings";
const KC_STORE = "recordings";
// A recording whose test was never saved (a skipped condition, a session left unfinished) is dropped after
// two days: only the count is ever meant to be kept.
const KC_KEEP_MS = 2 * 24 * 3600 * 1000;

function kcOpen() {
  return new Promise((resolve, reject) => {
    if (!window.indexedDB) { reject(new Error("IndexedDB is not available")); return; }
    const req = window.indexedDB.open(KC_DB, 1);
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(KC_STORE)) req.result.createObjectStore(KC_STORE);
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error("IndexedDB is blocked"));
  });
}

// Run work(store) in one transaction; resolves with what the last request it made returned.
function kcRun(mode, work) {
  return kcOpen().then((db) => new Promise((resolve, reject) => {
    let result;
    const tx = db.transaction(KC_STORE, mode);
    const req = work(tx.objectStore(KC_STORE));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => { db.close(); resolve(result); };
    tx.onerror = () => { db.close(); reject(tx.error); };
    tx.onabort = () => { db.close(); reject(tx.error); };
  }));
}

function kcGet(key) { return kcRun("readonly", (s) => s.get(key)); }
function kcPut(key, value) { return kcRun("readwrite", (s) => s.put(value, key)); }
function kcForget(keys) { return kcRun("readwrite", (s) => { keys.forEach((k) => s.delete(k)); return null; }); }

function kcPurgeOld() {
  const before = Date.now() - KC_KEEP_MS;
  return kcRun("readwrite", (s) => {
    const cursor = s.openCursor();
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return;
      if (!c.value || !(c.value.saved_at > before)) c.delete();
      c.continue();
    };
    return null;
  });
}
