"""`manage.py qcluster` on a simulated clock, for the week test (tests/deploy/test_qcluster_week.py).

    SIM_CLOCK_FILE=/path/clock python tests/deploy/qcluster_clock.py

The file holds an ISO datetime; the test moves it forward. Every process of the cluster follows it (time_machine,
ticking from the value read): the scheduler runs as soon as the clock moves (instead of every 30 s of real time;
the sentinel's own 30-second scheduler call is switched off so that it never runs on a stale clock), the pusher
reads the clock before taking tasks from the broker, and a worker before running each task. After each scheduler
run the process writes the clock value it ran at to `<clock file>.<pid>`.
"""

import datetime
import os
import sys
import threading
import time
from pathlib import Path

import time_machine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")
CLOCK = Path(os.environ["SIM_CLOCK_FILE"])

_state = {"seen": None, "traveller": None}


def follow_clock() -> str:
    """Travel to the clock file's time if it moved since this process last looked; returns the time followed."""
    text = CLOCK.read_text().strip()
    if text and text != _state["seen"]:
        if _state["traveller"] is not None:
            _state["traveller"].stop()
        _state["traveller"] = time_machine.travel(datetime.datetime.fromisoformat(text), tick=True)
        _state["traveller"].start()
        _state["seen"] = text
    return _state["seen"]


follow_clock()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django_q import signals  # noqa: E402
from django_q.brokers import get_broker  # noqa: E402
from django_q.brokers.orm import ORM  # noqa: E402
from django_q.conf import Conf  # noqa: E402
from django_q.scheduler import scheduler  # noqa: E402

Conf.SCHEDULER = False
_dequeue = ORM.dequeue


def dequeue_on_the_clock(self):
    follow_clock()
    return _dequeue(self)


ORM.dequeue = dequeue_on_the_clock
signals.pre_execute.connect(lambda sender, **kwargs: follow_clock(), weak=False, dispatch_uid="sim-clock")


def schedule_on_every_tick() -> None:
    time.sleep(3)  # after the cluster has forked its sentinel
    done = None
    while True:
        text = follow_clock()
        if text != done:
            scheduler(broker=get_broker())
            mark = Path(f"{CLOCK}.{os.getpid()}")
            Path(f"{mark}.new").write_text(text)
            Path(f"{mark}.new").replace(mark)
            done = text
        time.sleep(0.1)


threading.Thread(target=schedule_on_every_tick, daemon=True).start()
call_command("qcluster")
