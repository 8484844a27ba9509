#!/usr/bin/env bash
# make restore BACKUP=backups/<time>: into a fresh database RESTORE_DATABASE_URL (created here; refused if it exists)
# and empty folders RESTORE_PRIVATE_MEDIA_ROOT and RESTORE_MEDIA_ROOT, then checks the result: row counts equal the
# manifest's, the audit log's count and last event are the backed-up ones (it has no hash chain), every stored file
# a row names is present, `manage.py check` passes and a signed-in page renders. Prints the time taken (recovery
# time). To go live, point DATABASE_URL, PRIVATE_MEDIA_ROOT and MEDIA_ROOT at what it restored. PostgreSQL only.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
backup=${1:-${BACKUP:-}}
[ -n "$backup" ] && [ -f "$backup/manifest.json" ] || { echo "usage: make restore BACKUP=backups/<time> (a folder with manifest.json)" >&2; exit 2; }
case "${RESTORE_DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) echo "make restore supports PostgreSQL only: set RESTORE_DATABASE_URL=postgres://…/<new database>." >&2; exit 2 ;;
esac
: "${RESTORE_PRIVATE_MEDIA_ROOT:?set RESTORE_PRIVATE_MEDIA_ROOT to an empty folder for the private files}"
: "${RESTORE_MEDIA_ROOT:?set RESTORE_MEDIA_ROOT to an empty folder for the public media}"
started=$(date +%s.%N)
url=${RESTORE_DATABASE_URL%%\?*}
name=${url##*/}
server=${url%/*}
[[ "$name" =~ ^[A-Za-z0-9_]+$ ]] || { echo "database name '$name': letters, digits and _ only" >&2; exit 2; }
if [ "$(psql "$server/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" = 1 ]; then
  echo "database $name exists: restore goes into a fresh database (drop it or name another)" >&2; exit 2
fi
for dir in "$RESTORE_PRIVATE_MEDIA_ROOT" "$RESTORE_MEDIA_ROOT"; do
  if [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then echo "$dir is not empty" >&2; exit 2; fi
  mkdir -p "$dir"
done
psql "$server/postgres" -qc "CREATE DATABASE \"$name\"" >/dev/null
pg_restore --no-owner --exit-on-error -d "$url" "$backup/db.dump"
tar -C "$RESTORE_PRIVATE_MEDIA_ROOT" -xzf "$backup/private.tar.gz"
tar -C "$RESTORE_MEDIA_ROOT" -xzf "$backup/media.tar.gz"
restored=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $started }")
export DATABASE_URL=$RESTORE_DATABASE_URL PRIVATE_MEDIA_ROOT=$RESTORE_PRIVATE_MEDIA_ROOT MEDIA_ROOT=$RESTORE_MEDIA_ROOT
$PY manage.py check
$PY deploy/backup_db.py verify "$backup/manifest.json"
total=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $started }")
echo "restored $backup into $name: data back in ${restored}s, checked in ${total}s (recovery time)"
