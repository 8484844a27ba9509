#!/usr/bin/env bash
# make backup: pg_dump -Fc of DATABASE_URL and tars of PRIVATE_MEDIA_ROOT and MEDIA_ROOT into backups/<UTC time>/,
# with manifest.json: the row counts of our tables (read in the snapshot pg_dump dumps), the audit log's tail, the
# snapshot time (the recovery point) and the time taken. The database is dumped first, then the files: a file is
# written before the row naming it commits, so every file the dump names is in the tars. PostgreSQL only.
# BACKUP_ROOT (default backups/) moves the output; settings come from the environment as for manage.py.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) echo "make backup supports PostgreSQL only: set DATABASE_URL=postgres://… (SQLite is for development)." >&2; exit 2 ;;
esac
started=$(date +%s.%N)
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out="${BACKUP_ROOT:-backups}/$stamp"
mkdir -p "$out"
$PY deploy/backup_db.py dump "$out"
roots=$($PY deploy/backup_db.py roots)
media=$(sed -n 1p <<<"$roots") private=$(sed -n 2p <<<"$roots")
for pair in "private:$private" "media:$media"; do
  name=${pair%%:*} dir=${pair#*:}
  # GNU tar exits 1 when a file changed while it was read (an upload arriving): the archive is still good.
  if [ -d "$dir" ]; then tar -C "$dir" --warning=no-file-changed -czf "$out/$name.tar.gz" . || [ $? -eq 1 ]; else tar -czf "$out/$name.tar.gz" -T /dev/null; fi
done
seconds=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $started }")
$PY - "$out" "$stamp" "$seconds" <<'PY'
import json, sys
from pathlib import Path
out, stamp, seconds = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
counts = json.loads((out / "counts.json").read_text())
(out / "counts.json").unlink()
files = {p.name: p.stat().st_size for p in sorted(out.iterdir())}
manifest = {"started_utc": stamp, **counts, "backup_seconds": round(seconds, 2), "files": files}
(out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
PY
echo "backup $out: snapshot (recovery point) $(grep -o '"snapshot_at": "[^"]*"' "$out/manifest.json" | cut -d'"' -f4), took ${seconds}s"
