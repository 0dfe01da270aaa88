# Campagnon — the two set-up commands are `make run` and `make test`.
# Everything else here is what those two use, plus benchmarks and tools.

GO      ?= go
BIN     := bin/campagnon
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)

.PHONY: run build test test-go vet bench referential clean

## run: build and serve the platform on the embedded default (SQLite in data/, both pilot territories) at http://localhost:8080
run: build
	./$(BIN) serve

## build: build the campagnon binary into bin/
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/campagnon

## test: run every test (PostgreSQL suites too when CAMPAGNON_TEST_POSTGRES is set; .ci/run sets it)
test: vet test-go

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test-go:
	$(GO) test -count=1 -timeout 20m ./...

## bench: run the benchmarks whose figures go into docs/benchmarks.md
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./core/...

## referential: regenerate the embedded national referential from ../shared/data
referential:
	$(GO) run ./cmd/refgen -src ../shared/data -out core/referential/data/referential.tsv.gz

clean:
	rm -rf bin
