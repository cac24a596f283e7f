"""Celery app and thin tasks: unpack ids, call monitor.*, return."""
