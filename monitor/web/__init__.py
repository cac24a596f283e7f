"""The Flask edge, served by gunicorn: webhook ingress, /health, the /metrics exporter."""
