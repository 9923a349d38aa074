"""gunicorn settings, from the environment (see .env.example)."""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Below the 60 s ingress cut of the deployment platform, so the app answers before the proxy gives up.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "50"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
wsgi_app = "fluxops.wsgi:application"
