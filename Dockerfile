FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
RUN pip install --no-cache-dir . && useradd --create-home leakbot && mkdir -p /app/data \
    && chown leakbot /app/data
USER leakbot

ENV LEAKBOT_CONFIG=/app/config/leakbot.yaml
# healthy while the scheduler ticks: it touches data/heartbeat every few seconds
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s \
    CMD test $(( $(date +%s) - $(stat -c %Y /app/data/heartbeat) )) -lt 120
CMD ["leakbot", "run"]
