"""gunicorn as deployed (systemd units, docker-compose and `make deploy-check` all use this file).

gthread workers: a request waiting on PostgreSQL (an autosave's commit) holds a thread, not a process, so
concurrency is not capped by commit waits. The listen backlog is bounded: when every thread is busy and the backlog
is full, new connections are refused at once and nginx answers 503 (deploy/nginx/anjian.conf), which the exam page
retries, instead of queueing them until they time out. Every value can be overridden from the environment.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
backlog = int(os.environ.get("GUNICORN_BACKLOG", "256"))
# Requests are short (autosave, pages); a worker stuck this long is killed and replaced by the arbiter.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never grows without bound; jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = 2000
# Load the application in each worker (after fork): no database connection is shared across processes.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = os.environ.get("GUNICORN_NAME", "anjian-web")
