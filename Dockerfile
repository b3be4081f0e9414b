# Dockerfile: builds build/baas-server on Debian 12 and runs it in a slim
# image. The server reads ./migrations and writes its generated keys under
# ./keys relative to its working directory, /app (a volume keeps them), as
# the non-root user baas.
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential pkg-config libevent-dev libjansson-dev \
      libssl-dev libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY lib/ lib/
COPY server/ server/
RUN make -j"$(nproc)" all

FROM debian:12-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libevent-2.1-7 libevent-openssl-2.1-7 libevent-pthreads-2.1-7 \
      libjansson4 libssl3 libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# The server runs as an unprivileged user (uid 10001) that owns only
# /app/keys; the binary and the migrations stay root-owned and read-only to
# it. It listens on 8080/8443, so it needs no privilege to bind.
RUN useradd --system --uid 10001 --user-group --home-dir /app \
      --shell /usr/sbin/nologin baas
WORKDIR /app
COPY --from=build /src/build/baas-server build/baas-server
COPY migrations/ migrations/
RUN mkdir -p keys && chown baas:baas keys && chmod 0700 keys
USER baas:baas
ENV BAAS_HTTP_ADDR=0.0.0.0:8080 \
    BAAS_HTTPS_ADDR=0.0.0.0:8443
EXPOSE 8080 8443
STOPSIGNAL SIGTERM
CMD ["build/baas-server"]
