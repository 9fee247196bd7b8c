"""The disk's own pace: one-row commits/s to a SQLite file in WAL mode with synchronous=FULL, as Whistle opens its
database, in the folder given. The baseline that durable report POSTs are compared with (bench/http.sh)."""
import os, sqlite3, sys, time

folder = sys.argv[1]
seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5
path = os.path.join(folder, "commit-rate.sqlite")
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
count, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO t (body) VALUES (?)", ("x" * 200,))
    db.execute("COMMIT")
    count += 1
print(f"{count / (time.monotonic() - start):.0f}")
