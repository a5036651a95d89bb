# The ats image: `ats` is the entry point (`ats serve`, `ats jobs run`, `ats db migrate`,
# `ats doctor` ...). Multi-stage: wheels are built from the lock (constraints.txt) in the first
# stage; the runtime stage installs them without a network or a compiler, runs as a non-root
# user and writes nothing outside /tmp, so it runs with a read-only root file system
# (infra/k8s mounts an emptyDir at /tmp).
#
# The base is pinned by digest (a tag can be re-pointed; a digest cannot). Docker ignores the tag
# when a digest is given; the tag says which image the digest is. To move to a newer build:
#   docker buildx imagetools inspect python:3.11-slim-bookworm   # the index digest
# and replace the digest in both FROM lines (both stages use the same base).

FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY ats ./ats
COPY storage ./storage
COPY jobs ./jobs
COPY admin ./admin
# Our wheel and every dependency's, at the versions of the lock. The `embedded` and `test`
# extras (moto, aiosmtpd, pytest ...) are left out: production talks to real S3, KMS and SMTP.
RUN pip wheel --wheel-dir /wheels --constraint constraints.txt .

FROM python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91 AS runtime
LABEL org.opencontainers.image.title="ats-privacy" \
      org.opencontainers.image.description="Applicant-tracking privacy module" \
      org.opencontainers.image.licenses="Apache-2.0"
# No .pyc written at run time (the root is read-only; pip compiled them at install), logs
# unbuffered, HOME in the writable /tmp (boto3 looks for ~/.aws; nothing is written there).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOME=/tmp
RUN groupadd --system --gid 10001 ats \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin ats
# The wheels are bind-mounted from the build stage, so they never become a layer of this image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links=/wheels ats-privacy
WORKDIR /tmp
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000
# Liveness only (/healthz answers whatever the Host header); readiness is /readyz, probed by
# the orchestrator. The slim image has no curl: the interpreter asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["ats"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
