#!/usr/bin/env python3
"""Reads Prometheus text on stdin with the official client's parser and prints each sample as
one JSON object {"name{label=value,...}": value}: a format error is an exception, not a guess."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

out = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        out[f"{s.name}{{{labels}}}"] = s.value
print(json.dumps(out, sort_keys=True))
