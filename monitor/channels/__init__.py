"""Delivery channels, one module per destination behind a registry (like monitor/adapters).

Empty until the channels issue: the console line is still written by the notifier
(monitor/notify.py, monitor/output.py).
"""
