# The two commands of the README: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORTAIL := $(VENV)/bin/portail

.PHONY: run test setup test-sqlite test-postgresql lint bench bench-listes bench-import captures profil

run: setup
	$(PORTAIL) migrate
	$(PORTAIL) demo
	$(PORTAIL) serve

setup: $(VENV)/.installe static/vendor/htmx.min.js

$(VENV)/.installe: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund

# Every test on SQLite, then again on a throwaway PostgreSQL cluster when PostgreSQL is installed.
test: setup lint test-sqlite
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then \
		$(MAKE) --no-print-directory test-postgresql; \
	else echo "PostgreSQL absent : suite non rejouée sur PostgreSQL (apt-get install postgresql)."; fi

test-sqlite: setup
	$(PY) -m pytest

test-postgresql: setup
	scripts/avec-postgresql $(PY) -m pytest

# Screenshots of /composants and of the main screens at 1280 and 320 px, into var/captures/.
captures: setup
	$(PY) scripts/captures.py

lint: setup
	$(VENV)/bin/ruff check web tests scripts bench

# Benchmarks at national scale (bench/RESULTS.md): SQLite, then PostgreSQL with two instances.
# ECHELLE=0.01 DUREE=2 for a quick look; every load stops by itself.
ECHELLE ?= 1
DUREE ?= 10
bench: setup
	PORTAIL_DATABASE_URL=sqlite:///$(CURDIR)/var/bench/portail.sqlite $(PY) -m bench.lancer --echelle $(ECHELLE) --duree $(DUREE)
	scripts/avec-postgresql $(PY) -m bench.lancer --echelle $(ECHELLE) --duree $(DUREE) --deux-instances
	$(PY) -m bench.sqlite_moteur
	$(PY) -m bench.rapport --commande "make bench ECHELLE=$(ECHELLE) DUREE=$(DUREE)"

# « Gérer les habilitations » alone: each filter and sort, and the export of the large organisation
# (20 000 gestionnaires at ECHELLE=1), on SQLite then PostgreSQL (bench/listes.py).
bench-listes: setup
	PORTAIL_DATABASE_URL=sqlite:///$(CURDIR)/var/bench/portail.sqlite $(PY) -m bench.listes --echelle $(ECHELLE)
	scripts/avec-postgresql $(PY) -m bench.listes --echelle $(ECHELLE)

# « Importer des gestionnaires »: a file of LIGNES lines checked then created, SQLite then
# PostgreSQL (var/bench/importation-<engine>.json). LIGNES=20 for a quick look.
LIGNES ?= 1000
bench-import: setup
	$(PY) -m bench.importation --lignes $(LIGNES)
	scripts/avec-postgresql $(PY) -m bench.importation --lignes $(LIGNES)
	$(PY) -m bench.importation --rapport bench/RESULTS.md

# Where each measured path's time goes (bench/profil.py, pyinstrument): var/profil/<chemin>.txt and
# .html, on a small data set of its own (ECHELLE_PROFIL=0.02). On PostgreSQL:
# scripts/avec-postgresql .venv/bin/python -m bench.profil
ECHELLE_PROFIL ?= 0.02
profil: setup
	$(PY) -m bench.profil --echelle $(ECHELLE_PROFIL)
