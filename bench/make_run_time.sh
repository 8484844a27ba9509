#!/bin/bash
# Time `make run` from a new SQLite file and an empty STATIC_ROOT to the first `GET /` answering 200 (issue #12
# item 21). Usage: bench/make_run_time.sh [PORT]   (run from the repository; stops the server and worker after)
set -u
port=${1:-8011}
db=/tmp/make_run_time_$port.sqlite3
rm -f "$db"* && rm -rf static
export DATABASE_URL=sqlite:///$db
start=$(date +%s.%N)
setsid make run PORT="$port" > "/tmp/make_run_time_$port.log" 2>&1 &  # its own process group
group=$!
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" = 200 ]; do sleep 0.2; done
echo "first page after $(echo "$(date +%s.%N) - $start" | bc) s (log: /tmp/make_run_time_$port.log)"
# this run's server and worker only (its process group), not other qclusters on the machine; qcluster may outlive TERM
kill -TERM -- "-$group" 2>/dev/null; sleep 5; kill -KILL -- "-$group" 2>/dev/null; true
