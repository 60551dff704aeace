# syntax=docker/dockerfile:1
# Multi-stage image of gitops-reverser. One image; the argument picks the role:
#   docker run IMAGE worker     (Temporal worker: lifecycles, git writing, watches)
#   docker run IMAGE bridge     (CR <-> workflow bridge, the only writer of CR status)
# Neither subcommand exists yet: they arrive with the lifecycle and bridge issues, and
# until then the image only answers --help / --version. It is not built in CI (no engine).

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY workflows/ workflows/
COPY activities/ activities/
COPY worker/ worker/
COPY bridge/ bridge/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
# pygit2 and pyrage wheels bundle libgit2/libssh2 and rage: no git or age binary is needed.
RUN useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin gitops-reverser
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV PYTHONUNBUFFERED=1 HOME=/tmp
USER 65532:65532
ENTRYPOINT ["gitops-reverser"]
CMD ["--help"]
