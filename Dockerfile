# Multi-stage: build the wheel (PyICU needs ICU headers and a compiler), run as non-root.
FROM python:3.11-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libicu-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY registry registry
COPY handlers handlers
COPY bot bot
COPY data data
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libicu72 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 mcf
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER mcf
ENV MCF_PORT=3000
EXPOSE 3000
CMD ["mcf-bot", "serve"]
