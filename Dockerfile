FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
RUN pip install --no-cache-dir . && useradd --create-home leakbot && mkdir -p /app/data \
    && chown leakbot /app/data
USER leakbot

ENV LEAKBOT_CONFIG=/app/config/leakbot.yaml LEAKBOT_HTTP_ADDR=0.0.0.0:9464
EXPOSE 9464
# /healthz is 503 while every poll fails or the database has been failing, and does not
# answer at all if the bot's event loop is stuck
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s \
    CMD ["python", "-c", "import urllib.request as u; u.build_opener(u.ProxyHandler({})).open('http://127.0.0.1:9464/healthz', timeout=5)"]
CMD ["leakbot", "run"]
