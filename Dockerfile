# mcf-bot: `mcf-bot serve` (Slack and/or Teams over HTTP), as a non-root user.
#
# The base is any image with python3 (3.11+) and its venv module: the official image by
# default, or a plain Debian one (python3, python3-venv):
#   docker build -t mcf-bot .
#   podman build --format docker --build-arg PYTHON_IMAGE=localhost/bare-python:bookworm .
# (`--format docker` keeps the HEALTHCHECK; podman's default OCI format drops it.)
# scripts/container-check builds it on a Debian base and runs it.
ARG PYTHON_IMAGE=python:3.12-slim

# -- build: the project and its dependencies, all wheels, into a virtualenv -------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/mcf-bot
WORKDIR /src
COPY pyproject.toml README.md constraints.txt ./
COPY registry registry
COPY handlers handlers
COPY bot bot
COPY data data
# Not editable: the bundled data travels inside the installed package (registry/_bundled).
# The dependency versions the tests passed with (constraints.txt, scripts/refresh-constraints).
RUN /opt/mcf-bot/bin/pip install -c constraints.txt . \
    && /opt/mcf-bot/bin/mcf-bot --version

# -- run: the virtualenv on the same base, no build tools, no source tree ---------------
FROM ${PYTHON_IMAGE}
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mcf \
    && mkdir -p /var/lib/mcf && chown mcf:mcf /var/lib/mcf
COPY --from=build /opt/mcf-bot /opt/mcf-bot
# /var/lib/mcf holds what must outlive the container: the SQLite registry when no
# MCF_DATABASE_URL is given (/var/lib/mcf/mcf-bot/registry.sqlite3, with its name index)
# and MCF_INDEX_DIR in docker-compose.yml. Mount a volume there:
#   docker run -v mcf-data:/var/lib/mcf -e SLACK_BOT_TOKEN=... -e SLACK_APP_TOKEN=... mcf-bot
ENV PATH=/opt/mcf-bot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    XDG_DATA_HOME=/var/lib/mcf \
    MCF_PORT=3000
USER mcf
WORKDIR /home/mcf
EXPOSE 3000
# The registry's own probe: 200 when the database answers (mcf-bot's python, no curl).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MCF_PORT', '3000'), timeout=4)"]
CMD ["mcf-bot", "serve"]
