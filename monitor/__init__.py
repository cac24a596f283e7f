"""statusmon: a distributed monitor for public status pages.

This package's top-level modules are the core (no Flask, Celery or kombu: tests/test_structure.py
checks it); adapters/ reads each platform, web/ is the Flask edge, cli/ the operator's tools,
channels/ the delivery channels, simulate/ a loopback status-page simulator. The Celery tasks
are in workers/.
"""
