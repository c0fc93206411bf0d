# ftpconform — common tasks. `make conform` runs the full suite against the
# embedded reference server and writes reports to out/; `make test` runs the
# self-tests (unit tests, the fault matrix, the firewall namespace test).

GO      ?= go
OUT     ?= out
BIN     ?= bin/ftpconform
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all build conform test vet fuzz bench microbench catalog clean interop interop-tls-smoke soak

all: build

build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/ftpconform

# The main job: every check against the embedded reference server.
conform: build
	./$(BIN) run --junit $(OUT)/junit.xml --json $(OUT)/report.json --html $(OUT)/report.html

test: vet
	$(GO) test -race -timeout 30m ./...

vet:
	$(GO) vet ./...

# Five real FTP servers on 127.0.0.1 (needs root, Debian 12): install them,
# run every check against each, and fail on any verdict that differs from
# testdata/interop/baselines/SERVER.baseline. Reports in $(OUT)/interop.
# SERVERS="vsftpd proftpd" limits the run; UPDATE=1 rewrites the baselines.
# TLS=explicit runs every check over explicit FTPS (the servers offer it in
# either mode), compares with baselines/SERVER-tls.baseline and reports in
# $(OUT)/interop-tls; TLS=implicit uses the servers with an implicit port.
# interop-tls-smoke checks the lab's FTPS with ftplib and curl instead.
SERVERS ?=
TLS     ?= off
INTEROP_OUT = $(abspath $(OUT))/interop$(if $(filter explicit,$(TLS)),-tls)$(if $(filter implicit,$(TLS)),-tls-implicit)
interop: build
	testdata/interop/install.sh
	STOP=1 TLS=$(TLS) OUT=$(INTEROP_OUT) FTPCONFORM_BIN=$(abspath $(BIN)) testdata/interop/run.sh $(SERVERS)

interop-tls-smoke:
	testdata/interop/install.sh
	STOP=1 testdata/interop/tls-smoke.sh $(SERVERS)

# Short fuzzing runs of every parser: each Fuzz target of each package in
# turn (longer: FUZZTIME=5m make fuzz).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# The speed and memory goals as ratios, each against a reference measured
# in the same run (cmd/ftpbench). As root it also starts proftpd, vsftpd
# and pure-ftpd with make interop's scripts; rows that cannot run say why.
bench: build
	@if [ "$$(id -u)" = 0 ]; then testdata/interop/install.sh >/dev/null || echo "bench: the interop servers could not be installed; their rows will be skipped"; fi
	$(GO) run ./cmd/ftpbench -bin $(BIN)

# Go micro-benchmarks (parsers, the full-suite wall time).
microbench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Regenerate the requirement catalog (checkmeta/requirements.tsv) from the product catalog.
catalog:
	$(GO) run ./suites/internal/gencatalog ../shared/ftp-requirements.md checkmeta/requirements-local.md > checkmeta/requirements.tsv

clean:
	rm -rf bin $(OUT)

# The reference server must pass every check, with no warning, run after
# run, also on a loaded machine: RUNS full runs, PAR at a time (each run
# also loads the machine for the others).
RUNS ?= 20
PAR  ?= 4
soak: build
	testdata/soak.sh $(RUNS) $(PAR) $(abspath $(BIN))
