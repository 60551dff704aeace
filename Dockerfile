# syntax=docker/dockerfile:1
# Multi-stage image of gitops-reverser. One image; the argument picks the role:
#   docker run IMAGE worker     (Temporal worker: lifecycles, git writing, watches)
#   docker run IMAGE bridge     (CR <-> workflow bridge, the only writer of CR status)
# Worker metrics and health on :8080, the bridge's on :8081 (see docs/operations.md).
# It is not built in CI (no container engine there); tests/unit/install/test_dockerfile.py
# checks it statically: the entrypoint, every copied path, the pinned base, the user.

# An exact tag (or a digest: python:3.11.13-slim-bookworm@sha256:...), never a moving one.
ARG PYTHON_IMAGE=python:3.11.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY workflows/ workflows/
COPY activities/ activities/
COPY worker/ worker/
COPY bridge/ bridge/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
# pygit2 and pyrage wheels bundle libgit2/libssh2 and rage: no git or age binary is needed.
RUN useradd --uid 65532 --user-group --no-create-home --shell /usr/sbin/nologin gitops-reverser
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENV PYTHONUNBUFFERED=1 HOME=/tmp
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["gitops-reverser"]
CMD ["--help"]
