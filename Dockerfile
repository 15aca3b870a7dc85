# syntax=docker/dockerfile:1
# Production image for the portal (Django 5.2). Static assets are vendored under
# portal/static/vendor/, so the build and the running site need no CDN.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production

# gettext: msgfmt for compilemessages. All Python deps ship wheels
# (psycopg[binary] bundles libpq), so no compiler toolchain is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.lock /app/requirements.lock
RUN pip install --no-cache-dir -r requirements.lock

COPY . /app

# Build-time only settings: throwaway values, not kept in the image's environment.
RUN SECRET_KEY=build \
    ALLOWED_HOSTS=localhost \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    REDIS_URL=redis://localhost:6379/0 \
    sh -c 'python manage.py compilemessages && python manage.py collectstatic --noinput' \
    && rm -f /tmp/build.sqlite3

# Non-root runtime user; var/ (media uploads, celery beat schedule) is writable by it.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
