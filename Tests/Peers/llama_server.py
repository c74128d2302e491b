#!/usr/bin/env python3
"""Start llama.cpp's own HTTP server (built into the xllamacpp wheel) on loopback.

usage: llama_server.py MODEL.gguf PORT [--threads N] [--parallel N] [--ctx N] [--chat-template FILE.jinja]

It serves /health, /props, /slots, /tokenize, /metrics and /v1/chat/completions (streaming,
tools via jinja templates) exactly as llama-server does, and runs until SIGTERM/SIGINT.
"""
import argparse
import signal
import sys
import threading

import xllamacpp as xlc


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("port", type=int)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--chat-template", help="a Jinja chat template used instead of the model's own")
    a = ap.parse_args()

    p = xlc.CommonParams()
    p.model.path = a.model
    p.hostnames = ["127.0.0.1"]
    p.port = a.port
    p.use_jinja = True
    if a.chat_template:
        with open(a.chat_template, encoding="utf-8") as f:
            p.chat_template = f.read()
    p.n_parallel = a.parallel
    p.n_ctx = a.ctx
    p.endpoint_props = True
    p.endpoint_slots = True
    p.endpoint_metrics = True
    p.cache_prompt = True
    # One thread: two threads on a busy 2-core machine can be 40x slower (spin barriers).
    p.cpuparams.n_threads = a.threads
    p.cpuparams_batch.n_threads = a.threads
    server = xlc.Server(p)  # noqa: F841 (keeps the server alive)
    print(f"llama server on 127.0.0.1:{a.port} model={a.model}", flush=True)

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
