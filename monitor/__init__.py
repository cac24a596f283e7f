"""statusmon: a distributed monitor for public status pages (domain code, no Celery imports)."""
