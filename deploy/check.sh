#!/usr/bin/env bash
# make deploy-check: the deployment as shipped, on this machine. nginx (deploy/nginx, rendered for local paths) in
# front of two gunicorn instances (deploy/gunicorn.conf.py, production settings) and two qcluster processes, all on
# PostgreSQL and Redis; then the smoke and fault tests (tests/deploy, marker `deploy`) run through nginx.
# Uses its own database (anjian_deploycheck, recreated) and Redis db 8; everything it starts it stops by pid.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RUN=${DEPLOY_RUN_DIR:-/tmp/anjian-deploy-check}
DB_NAME=${DEPLOY_DB_NAME:-anjian_deploycheck}
PGHOST_URL=${DEPLOY_PG:-postgres://postgres@127.0.0.1:5432}
NGINX_PORT=${DEPLOY_NGINX_PORT:-18080}
WEB_PORTS=(${DEPLOY_WEB_PORTS:-18001 18002})

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "nginx missing: installing it with apt (as CI installs chromium)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

rm -rf "$RUN" && mkdir -p "$RUN/media" "$RUN/private" "$RUN/static"
export DJANGO_SETTINGS_MODULE=cms.settings.production
export SECRET_KEY=deploy-check-"$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DATABASE_URL="$PGHOST_URL/$DB_NAME" REDIS_URL=${DEPLOY_REDIS_URL:-redis://127.0.0.1:6379/8}
export ALLOWED_HOSTS=127.0.0.1,localhost ALLOW_CONSOLE_EMAIL=1 EMAIL_URL=console:// SECURE_SSL_REDIRECT=0
export TRUSTED_PROXY_HOPS=1 PRIVATE_MEDIA_ACCEL=1 MEDIA_ROOT="$RUN/media" PRIVATE_MEDIA_ROOT="$RUN/private"
export GUNICORN_WORKERS=2 GUNICORN_THREADS=8 LOG_LEVEL=WARNING Q_WORKERS=2

psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE $DB_NAME" >/dev/null
$PY -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
$PY manage.py migrate --noinput -v 0
$PY manage.py createcachetable
$PY manage.py collectstatic --noinput -v 0
# The qcluster-week test runs its own clusters on a copy (a simulated clock must not reach the deployment's), and
# the PostgreSQL-restart test restores the migrated schema into a private server: both copied before anything
# connects, instead of migrating twice more (a migrate takes minutes on a loaded machine).
psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS ${DB_NAME}_week WITH (FORCE)" >/dev/null
psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE ${DB_NAME}_week TEMPLATE $DB_NAME" >/dev/null
pg_dump -Fc -f "$RUN/migrated.dump" "$DATABASE_URL"
export DEPLOY_WEEK_DATABASE_URL="$PGHOST_URL/${DB_NAME}_week" DEPLOY_MIGRATED_DUMP="$RUN/migrated.dump"
export DEPLOY_FAULT_PG_PORT=${DEPLOY_FAULT_PG_PORT:-18032} DEPLOY_FAULT_WEB_PORT=${DEPLOY_FAULT_WEB_PORT:-18031}

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$RUN/nginx/nginx.pid" ] && kill "$(cat "$RUN/nginx/nginx.pid")" 2>/dev/null || true
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

for port in "${WEB_PORTS[@]}"; do
  GUNICORN_BIND=127.0.0.1:$port GUNICORN_NAME=anjian-web-$port .venv/bin/gunicorn -c deploy/gunicorn.conf.py \
    --pid "$RUN/gunicorn-$port.pid" cms.wsgi >"$RUN/gunicorn-$port.log" 2>&1 &
  PIDS+=($!)
done
# A third instance, outside nginx, whose Redis is down (a port nothing listens on): the Redis-down fault test.
REDIS_DOWN_PORT=${DEPLOY_REDIS_DOWN_PORT:-18009}
GUNICORN_BIND=127.0.0.1:$REDIS_DOWN_PORT GUNICORN_NAME=anjian-web-redis-down REDIS_URL=redis://127.0.0.1:1/8 \
  .venv/bin/gunicorn -c deploy/gunicorn.conf.py --pid "$RUN/gunicorn-redis-down.pid" cms.wsgi \
  >"$RUN/gunicorn-redis-down.log" 2>&1 &
PIDS+=($!)
for n in 1 2; do
  $PY manage.py qcluster >"$RUN/qcluster-$n.log" 2>&1 &
  PIDS+=($!)
  echo $! >"$RUN/qcluster-$n.pid"
done
upstreams=()
for port in "${WEB_PORTS[@]}"; do upstreams+=(--upstream "127.0.0.1:$port"); done
$PY deploy/render_nginx.py --standalone "$RUN/nginx" --http-port "$NGINX_PORT" --static "$PWD/static" \
  --media "$RUN/media" --private "$RUN/private" "${upstreams[@]}" >/dev/null
"$NGINX" -c "$RUN/nginx/nginx.conf"

for _ in $(seq 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/accounts/login/" && break
  sleep 1
done

export DEPLOY_BASE_URL="http://127.0.0.1:$NGINX_PORT" DEPLOY_RUN_DIR="$RUN"
export DEPLOY_WEB_PORTS="${WEB_PORTS[*]}" REQUIRE_DEPLOY=1
export DEPLOY_REDIS_DOWN_URL="http://127.0.0.1:$REDIS_DOWN_PORT"
for _ in $(seq 30); do curl -fsS -o /dev/null "$DEPLOY_REDIS_DOWN_URL/accounts/login/" && break; sleep 1; done
$PY -m pytest -m deploy -p no:cacheprovider -q tests/deploy -s "$@"
