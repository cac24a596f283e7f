"""Celery settings only. Read by `workers.celery_app` via config_from_object("celeryconfig")."""

import os

broker_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Results are small (an outcome and the ids of the notify tasks a poll sent) and short-lived:
# they let Flower, `celery inspect` and the tests follow a poll to its printed lines.
result_backend = broker_url
result_expires = 600

task_serializer = "json"
accept_content = ["json"]
enable_utc = True
timezone = "UTC"

task_routes = {
    "statusmon.tick": {"queue": "poll"},
    "statusmon.poll": {"queue": "poll"},
    "statusmon.ingest": {"queue": "poll"},
    "statusmon.notify": {"queue": "notify"},
}
task_default_queue = "poll"

# A task is acknowledged after it ran, and re-queued if its worker died mid-task: the
# notifier's at-least-once guarantee rests on this (see monitor/notify.py).
task_acks_late = True
task_reject_on_worker_lost = True
worker_prefetch_multiplier = 1
broker_transport_options = {"visibility_timeout": 300}
broker_connection_retry_on_startup = True

task_soft_time_limit = 45
task_time_limit = 60

# The notifier's stdout is the status stream: Celery must not redirect or re-log it.
worker_redirect_stdouts = False
worker_hijack_root_logger = False

# Flower and `celery events` see tasks with their names and arguments.
worker_send_task_events = True
task_send_sent_event = True

beat_schedule = {
    "tick": {"task": "statusmon.tick", "schedule": 1.0, "options": {"expires": 5}},
}
