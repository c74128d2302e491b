#!/usr/bin/env bash
# wait_http.sh URL SECONDS: wait until URL answers 200, or fail after SECONDS.
url=$1; limit=${2:-30}
deadline=$((SECONDS + limit))
until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
  if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for $url" >&2; exit 1; fi
  sleep 0.1
done
