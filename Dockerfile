# One image for every service; a Deployment picks the service by its command, `python -m services.<name>`.
# Build: `./just image`. The build stage makes the wheel and a venv from it; the final stage is that venv on a slim
# Python, run as an unprivileged user, with bytecode compiled ahead so a read-only root filesystem costs nothing.
FROM python:3.11-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY pyproject.toml ./
COPY services services
COPY sim sim
COPY embedded embedded
COPY deploy/image deploy/image
RUN deploy/image/build-venv.sh /src /opt/flowmeter

FROM python:3.11-slim-bookworm
LABEL org.opencontainers.image.title="flowmeter" \
      org.opencontainers.image.description="An event-sourced Metrics Server for Kubernetes, in Python on NATS"
COPY --from=build /opt/flowmeter /opt/flowmeter
ENV PATH=/opt/flowmeter/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
USER 65532:65532
CMD ["flowmeter", "--help"]
