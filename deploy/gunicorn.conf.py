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
# No request-count recycling by default. With 20,000 (the old value) each worker restarted about every 90 s at
# 2,000 examinees: a restart loads Django and Wagtail again (~2 s), the other worker carries everything meanwhile, and
# the exam peak's p95 jumped from 0.1 s to 1.4-2 s (bench/exams_capacity.py: 1,593 examinees at 5 s with recycling,
# 2,489 without). Memory is capped by the systemd unit instead (MemoryHigh/MemoryMax restart a leaking worker).
# Set GUNICORN_MAX_REQUESTS to recycle anyway; keep it high (≥ 500,000) and the jitter at a tenth of it.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# Load the application in each worker (after fork): no database connection is shared across processes.
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = os.environ.get("GUNICORN_NAME", "anjian-web")
