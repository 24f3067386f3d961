# kgmatch: the two commands a fresh clone needs are `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: demo test lint fuzz neo4j neo4j-stop clean browser-deps linker semantics ranker

$(STAMP_RUN): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-build-isolation pkuseg==0.0.25
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(STAMP_DEV): $(STAMP_RUN) requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

FIELD_MODEL := var/models/field_linker-v3.pkl
LINKER_DATA := $(wildcard data/crosswalk/*.csv data/linker/* data/patents/patents.csv data/nsfc/nsfc_C_projects.csv) $(foreach s,3 4 5 6 7 9 10 11 12 13 14 15,data/eval/sme-demands/dev$(s).tsv)

## linker: train the supervised field linker from the shipped labelled text (deterministic, a few minutes)
$(FIELD_MODEL): $(STAMP_RUN) $(LINKER_DATA) ingest/field_model.py
	$(BIN)/kgmatch train-linker --out $@

linker: $(FIELD_MODEL)

SEMANTIC_MODEL := var/models/semantics-v1.npz
SEMANTIC_DATA := $(wildcard data/nsfc/*.csv data/linker/*.tsv data/patents/patents.csv data/papers/papers.jsonl data/taxonomies/hightech-fields-2016/*.csv data/nlp/*.txt) ingest/nlp.py

## semantics: build the latent semantic model (LSA) from the shipped corpora (deterministic, a few minutes)
$(SEMANTIC_MODEL): $(STAMP_RUN) $(SEMANTIC_DATA) recommend/semantics_build.py recommend/semantics.py
	$(BIN)/python -m recommend.semantics_build --out $@

semantics: $(SEMANTIC_MODEL)
## ranker: learn the score weights from the loaded graph's own history and officers' feedback (deterministic;
## run after `kgmatch load demo`); the engine uses var/models/ranker-v1.json when present, else the hand weights
RANKER_MODEL := var/models/ranker-v1.json
ranker: $(STAMP_RUN)
	$(BIN)/kgmatch train-ranker --out $(RANKER_MODEL)

## demo: install, train the field linker, load the demo data into the embedded store, print statistics
demo: $(STAMP_RUN) $(FIELD_MODEL) $(SEMANTIC_MODEL)
	$(BIN)/kgmatch init
	$(BIN)/kgmatch load demo
	$(BIN)/kgmatch stats
	printf 'demo-officer-pass\n' | $(BIN)/kgmatch user add officer --role officer --password-stdin --replace
	printf 'demo-analyst-pass\n' | $(BIN)/kgmatch user add analyst --role analyst --password-stdin --replace
	printf 'demo-admin-pass\n'   | $(BIN)/kgmatch user add admin --role admin --password-stdin --replace
	printf 'kgm_00000000_demo-portal-key-for-local-use-only-0001\n' | $(BIN)/kgmatch user add-key portal --role portal --key-stdin --replace
	@echo "演示账号：officer / demo-officer-pass（对接专员），analyst / demo-analyst-pass（分析员），admin / demo-admin-pass"
	@echo "门户演示 API 密钥：kgm_00000000_demo-portal-key-for-local-use-only-0001"
	@echo "服务地址：http://127.0.0.1:5000/  （Ctrl-C 停止）"
	$(BIN)/kgmatch serve --host 127.0.0.1 --port 5000

## browser-deps: Debian's Chromium and a CJK font for the browser tests (root; skipped when present)
browser-deps:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }

## test: install everything, start the real Neo4j, lint, run the whole suite
test: $(STAMP_DEV) browser-deps $(SEMANTIC_MODEL)
	bash deploy/neo4j/start.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ -n "$$CI" ]; then bash deploy/neo4j/stop.sh; fi; exit $$rc

## fuzz: the schemathesis pass of the suite with many more examples per operation (a few minutes)
fuzz: $(STAMP_DEV)
	KGMATCH_FUZZ_EXAMPLES=60 $(BIN)/python -m pytest tests/test_fuzz_openapi.py -q -s

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

## neo4j / neo4j-stop: the local Neo4j 5.26 Community server (deploy/neo4j)
neo4j:
	bash deploy/neo4j/start.sh

neo4j-stop:
	bash deploy/neo4j/stop.sh

clean:
	rm -rf $(VENV) var deploy/neo4j/target
