"""Celery settings only. Read by `workers.celery_app` via config_from_object("celeryconfig").

The broker (and result backend) is REDIS_URL, or kombu's sentinel:// URL with the master's name
in the transport options (REDIS_SENTINELS): set by workers.celery_app from monitor.settings,
the one place the environment is read.
"""

from monitor.keys import CONTROL_QUEUE, DELIVER_QUEUE, NOTIFY_QUEUE, POLL_QUEUE

# Results are small (an outcome and the ids of the notify tasks a poll sent) and short-lived:
# they let Flower, `celery inspect` and the tests follow a poll to its printed lines.
result_expires = 600

task_serializer = "json"
accept_content = ["json"]
enable_utc = True
timezone = "UTC"

# `control`: short tasks that must not wait behind a backlog of polls (the worker consumes both
# queues round-robin, so a tick or a webhook's ingest is next whatever the poll queue holds).
task_routes = {
    "statusmon.tick": {"queue": CONTROL_QUEUE},
    "statusmon.ingest": {"queue": CONTROL_QUEUE},
    "statusmon.poll": {"queue": POLL_QUEUE},
    "statusmon.poll_pages": {"queue": POLL_QUEUE},
    "statusmon.notify": {"queue": NOTIFY_QUEUE},
    "statusmon.deliver": {"queue": DELIVER_QUEUE},  # a slow channel never delays a line
    "statusmon.deliver_event": {"queue": DELIVER_QUEUE},
    "statusmon.deliver_events": {"queue": DELIVER_QUEUE},
}
task_default_queue = POLL_QUEUE

# A task is acknowledged after it ran, and re-queued if its worker died mid-task: the
# notifier's at-least-once guarantee rests on this (see monitor/notify.py).
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
# polling_interval is kombu's BRPOP timeout. Redis hands a message to the client that has waited
# longest in BRPOP; at the default 1 s every idle worker re-entered the line once a second, in
# step with the 1 s tick, and the same worker won message after message (light load, 3
# workers: 10/39/10 poll tasks in 60 s). At 5 s a worker that was served goes to the back of the
# line and the others come first: 19/20/19 (`python -m bench.scaleout --light 60`). The cost:
# `celery control cancel_consumer` takes up to 5 s to stop a worker's deliveries (a message it
# still takes is put back by kombu), and a half-open connection is noticed 4 s later.
broker_transport_options = {"visibility_timeout": 300, "polling_interval": 5}
broker_connection_retry_on_startup = True
# A worker reconnects every 2 s at most, and never gives up (workers/consumer.py): polls due
# while Redis was away run as soon as it is back.
worker_consumer = "workers.consumer:Consumer"
broker_connection_max_retries = None

task_soft_time_limit = 45
task_time_limit = 60

# The notifier's stdout is the status stream: Celery must not redirect or re-log it.
worker_redirect_stdouts = False
worker_hijack_root_logger = False

# Task events cost ~10 % of every task's CPU (PUBLISHes for received, started, succeeded)
# and nobody reads them unless Flower runs; Flower switches them on in the workers itself
# while it runs (its `enable_events`), so it still sees every poll with its arguments.
# `celery events`: send `celery control enable_events` first. Measured: make bench.
worker_send_task_events = False
task_send_sent_event = False

beat_schedule = {
    "tick": {"task": "statusmon.tick", "schedule": 1.0, "options": {"expires": 5}},
}
