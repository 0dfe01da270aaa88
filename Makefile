# Campagnon — the two set-up commands are `make run` and `make test`.
# Everything else here is what those two use, plus benchmarks and tools.

GO      ?= go
# The Go toolchain every target uses: go1.27.3, which the go command fetches
# once from the Go module proxy (about 10 s). The machines start on go1.26.8,
# whose standard library has vulnerabilities govulncheck finds reachable
# (net/http, crypto/x509, crypto/tls); this overrides GOTOOLCHAIN=local.
export GOTOOLCHAIN := go1.27.3
BIN     := bin/campagnon
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

PLUGINS := standard picardie-verte portes-de-sologne

.PHONY: run build plugins test test-go test-modules vet vulncheck bench referential clean

## run: build, install the demo on a new database (DEMO=0: an empty platform) and serve on the embedded default (SQLite in data/, both pilot territories) at http://localhost:8080
DEMO ?= 1
run: build
	@if [ "$(DEMO)" != 0 ]; then ./$(BIN) demo --if-empty; fi
	./$(BIN) serve

## build: build the campagnon binary and the territory plugins into bin/
build: plugins
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/campagnon

## plugins: build the territory plugins to WebAssembly (stock Go, wasip1) into bin/plugins/
plugins:
	@mkdir -p bin/plugins
	@for p in $(PLUGINS); do \
		echo "plugin $$p -> bin/plugins/$$p.wasm"; \
		GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o bin/plugins/$$p.wasm ./plugins/$$p || exit 1; \
	done

# Separate Go modules: the SDK and the examples (an integrator's view).
MODULES := sdk examples/minimal examples/custom-pricing

## test: run every test (PostgreSQL suites too when CAMPAGNON_TEST_POSTGRES is set; .ci/run sets it) and govulncheck
test: vet test-go test-modules vulncheck

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@for m in $(MODULES); do (cd $$m && $(GO) vet ./...) || exit 1; done

test-go:
	$(GO) test -count=1 -timeout 20m ./...

test-modules:
	@for m in $(MODULES); do echo "== $$m"; (cd $$m && $(GO) test -count=1 -timeout 10m ./...) || exit 1; done

## vulncheck: govulncheck on every module, offline (database built from the golang.org/x/vulndb module, cached); fails on a reachable finding
vulncheck:
	.ci/vulncheck . $(MODULES)

## bench: run the benchmarks whose figures go into docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./core/...

## referential: regenerate the embedded national referential from ../shared/data
referential:
	$(GO) run ./cmd/refgen -src ../shared/data -out core/referential/data/referential.tsv.gz

clean:
	rm -rf bin
