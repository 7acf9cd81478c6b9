FROM python:3.11-slim

WORKDIR /app
# the versions the image installs are pinned (constraints.txt, kept in step with
# pyproject.toml by tests/test_packaging.py): the same build gives the same image
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home leakbot \
    && mkdir -p /app/data && chown leakbot /app/data
USER leakbot

ENV LEAKBOT_CONFIG=/app/config/leakbot.yaml LEAKBOT_HTTP_ADDR=0.0.0.0:9464
EXPOSE 9464
# /healthz is 503 while every poll fails or the database has been failing, and does not
# answer at all if the bot's event loop is stuck; the health log gets one line, the status
# and the reason, and no proxy is asked (docker-compose.yml runs the same code)
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s CMD ["python", "-c", "\
import json, os, sys, urllib.error, urllib.request as u\n\
port = os.environ.get('LEAKBOT_HTTP_ADDR', ':9464').rpartition(':')[2]\n\
try:\n\
    answer = u.build_opener(u.ProxyHandler({})).open(f'http://127.0.0.1:{port}/healthz', timeout=5)\n\
except urllib.error.HTTPError as error:\n\
    answer = error\n\
except OSError as error:\n\
    sys.exit(f'/healthz did not answer: {error}')\n\
text = answer.read(1000).decode(errors='replace')\n\
try:\n\
    text = str(json.loads(text)['reason'])\n\
except (ValueError, KeyError, TypeError):\n\
    pass\n\
print(answer.status, ' '.join(text.split()))\n\
sys.exit(answer.status != 200)\n\
"]
# leakbot runs as a child that gets SIGTERM and SIGINT as SIGTERM. A wrong setting (exit 2)
# is not restarted in a loop: its message stays the last lines of the log, with what to do,
# and the container waits, unhealthy, to be stopped; any other exit ends the container, for
# its restart policy to start it again
CMD ["sh", "-c", "\
leakbot run & child=$!; \
trap 'kill -TERM $child 2>/dev/null' TERM INT; \
wait $child; code=$?; \
while kill -0 $child 2>/dev/null; do wait $child; code=$?; done; \
if [ $code -eq 2 ]; then \
echo 'leakbot: a setting is wrong (above); fix it, then docker compose up -d (not restarted until then)' >&2; \
trap 'kill $sleeper 2>/dev/null; exit 2' TERM INT; \
while :; do sleep 3600 & sleeper=$!; wait $sleeper; done; \
fi; \
exit $code"]
