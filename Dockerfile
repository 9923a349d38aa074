# Flux Operations Center image for Snowpark Container Services (linux/amd64).
#   docker build --platform linux/amd64 -t fluxops:latest .
# Build stage: a virtualenv with the pinned requirements and the collected static files.
FROM python:3.12-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /app
RUN python -m venv /opt/venv
COPY requirements.txt ./
RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt

COPY . .
# Hashed, compressed static files baked into the image (whitenoise serves them; no CDN, no volume).
# The key only satisfies settings for this one command; the service gets its own from a secret.
RUN DEBUG=false SECRET_KEY=collectstatic-only FLUXOPS_VAR_DIR=/tmp/build-var \
    /opt/venv/bin/python manage.py collectstatic --no-input -v0 \
 && rm -rf /tmp/build-var

# Final stage: the same slim base with only the virtualenv and the application, run as a non-root user.
FROM python:3.12-slim

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BIND=0.0.0.0:8000 \
    LOG_FORMAT=json \
    FLUXOPS_VAR_DIR=/tmp/fluxops

RUN groupadd --system --gid 10001 fluxops \
 && useradd --system --uid 10001 --gid fluxops --home-dir /app --no-create-home --shell /usr/sbin/nologin fluxops

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER 10001:10001
EXPOSE 8000
# gunicorn.conf.py: workers/threads from the environment, 50 s timeout, graceful stop on SIGTERM,
# access log on stdout; MIGRATE_ON_START=true runs `manage.py migrate_locked` first.
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
