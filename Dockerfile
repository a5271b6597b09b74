# A pressroom worker for a Dask cluster: the same Debian, faces, tools and locked Python
# packages as the machine that builds, so that its layouts give the same bytes. A build
# refuses a worker whose tool versions, code or fonts differ from its own (README: Running
# on a cluster).
#
#   docker build -t pressroom-worker .
#   docker run --rm --network host pressroom-worker tcp://SCHEDULER:8786
FROM debian:12
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends python3 python3-venv nodejs npm ca-certificates \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /pressroom
COPY . .
# The project's own set-up, as on any machine: Debian's faces and tools, the locked packages
# into .venv, and a build of the default edition, which proves the worker can lay it out.
RUN bash scripts/setup.sh && rm -rf build
ENTRYPOINT [".venv/bin/dask", "worker", "--nthreads", "1"]
