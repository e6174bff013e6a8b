# PostgreSQL from Debian's own packages on the bare base, for scripts/compose-check (no
# registry image can be pulled there). It honours what docker-compose.yml gives the
# official postgres image: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, the data in
# /var/lib/postgresql/data, and pg_isready for the health check.
ARG BASE=localhost/bare-python:bookworm
FROM ${BASE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
# The socket lives in /tmp (/run may be a fresh tmpfs); PGHOST points pg_isready there.
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data PGHOST=/tmp
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
