# tiergate — run `make help` for the targets.

GO        ?= go
BIN       ?= bin
PREFIX    ?= $(shell $(GO) env GOPATH)
PKG       := github.com/tiergate/tiergate
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT) -X $(PKG)/internal/version.Date=$(DATE)
# The real-manifest corpus for the classification test; the test skips
# (and says so) when the directory is absent.
TIERGATE_CORPUS ?= $(abspath ../shared/corpus)
FUZZTIME  ?= 20s

# Tool versions, in one place. Each runs from the Go module proxy with
# go run (built once, then cached); the control plane's versions are in
# hack/k8s/build.sh (Kubernetes v1.37.2, etcd, kwok v0.8.0) and
# Prometheus's in hack/prometheus/install.sh.
GOLANGCI_LINT_VERSION ?= v2.15.0
GORELEASER_VERSION    ?= v2.15.1
KREW_VERSION          ?= v0.4.3
# Helm for the chart (deploy/helm/tiergate): built into bin/helm from the Go
# module proxy, outside this module (go.mod does not require it).
HELM_VERSION          ?= v4.3.2
# The ServiceMonitor CRD the chart's install test loads: prometheus-operator
# v0.93.0's released example/prometheus-operator-crd/
# monitoring.coreos.com_servicemonitors.yaml, made as that project makes
# it (controller-gen crd:crdVersions=v1 over the released API types, the
# module pkg/apis/monitoring, with the controller-tools of its
# scripts/go.mod, then its version annotation) and checked against the
# release's SHA-256. The released YAML itself is in no registry reachable
# here.
PROMETHEUS_OPERATOR_VERSION ?= v0.93.0
CONTROLLER_TOOLS_VERSION    ?= v0.21.0
SERVICEMONITOR_CRD_SHA256   ?= a99047972c9dd7679ce2050b9968e8a08773492e671b3e17abd476d42aa78a32
SERVICEMONITOR_CRD := $(BIN)/crds/prometheus-operator-$(PROMETHEUS_OPERATOR_VERSION)/monitoring.coreos.com_servicemonitors.yaml
GOVULNCHECK_VERSION   ?= v1.9.0
VULNDB_VERSION        ?= v0.0.0-20261105234957-e22db6528018
GOLANGCI_LINT := $(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
GORELEASER    := $(GO) run github.com/goreleaser/goreleaser/v2@$(GORELEASER_VERSION)
KREW_VALIDATE := $(GO) run sigs.k8s.io/krew/cmd/validate-krew-manifest@$(KREW_VERSION)
KREW          := $(GO) run sigs.k8s.io/krew/cmd/krew@$(KREW_VERSION)

.DEFAULT_GOAL := help

.PHONY: help
help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## Build bin/tiergate and bin/kubectl-tiergate
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/tiergate ./cmd/tiergate
	cp $(BIN)/tiergate $(BIN)/kubectl-tiergate

.PHONY: install
install: build ## Install tiergate and kubectl-tiergate into $(PREFIX)/bin
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/tiergate $(PREFIX)/bin/tiergate
	install -m 0755 $(BIN)/tiergate $(PREFIX)/bin/kubectl-tiergate

.PHONY: demo
demo: ## Audit the bundled example LLM platform (no cluster needed)
	$(GO) run ./cmd/tiergate audit -f examples/llm-platform.yaml

.PHONY: test
test: check-fmt ## Vet, format check, and every test with -race (corpus included when present)
	@if [ -d "$(TIERGATE_CORPUS)" ]; then echo "classification corpus: $(TIERGATE_CORPUS)"; else echo "classification corpus not found at $(TIERGATE_CORPUS): that test will skip"; fi
	TIERGATE_CORPUS=$(if $(wildcard $(TIERGATE_CORPUS)),$(TIERGATE_CORPUS),) $(GO) test -race -count=1 ./...

.PHONY: corpus
corpus: ## Classification accuracy over the real-manifest corpus (TIERGATE_CORPUS)
	TIERGATE_CORPUS=$(TIERGATE_CORPUS) $(GO) test ./audit -run TestCorpusClassification -count=1 -v | grep -E 'accuracy|FAIL|SKIP|ok'

.PHONY: check-fmt
check-fmt: ## go vet and gofmt (quick; part of make test)
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: lint
lint: check-fmt tidy-check ## golangci-lint (.golangci.yml), go vet, gofmt and go mod tidy
	$(GOLANGCI_LINT) run ./...

.PHONY: tidy-check
tidy-check: ## Fail when go.mod or go.sum is not tidy
	$(GO) mod tidy -diff

.PHONY: vulncheck
vulncheck: ## govulncheck offline, its database built from the golang.org/x/vulndb module (bin/vulndb)
	./hack/release/vulncheck.sh $(GOVULNCHECK_VERSION) $(VULNDB_VERSION)

.PHONY: release-check
release-check: ## Validate .goreleaser.yaml (goreleaser check)
	$(GORELEASER) check

.PHONY: snapshot
snapshot: ## A local release into dist/: every archive, checksums and the krew manifest (validated); no upload
	TIERGATE_COMMIT=$(COMMIT) $(GORELEASER) release --snapshot --clean
	$(KREW_VALIDATE) -manifest dist/krew/tiergate.yaml -skip-install
	KREW="$(KREW)" ./hack/release/check-dist.sh $(COMMIT)

.PHONY: release
release: ## Publish a tagged release (GITHUB_TOKEN): lint, tests and a vulncheck that fails on the Go standard library too
	$(MAKE) lint test
	VULNCHECK_STDLIB=fail $(MAKE) vulncheck
	$(GORELEASER) release --clean

.PHONY: fuzz
fuzz: ## Fuzz the manifest loader, the metrics scrape-and-rate path and the protobuf list reader for $(FUZZTIME) each
	$(GO) test ./manifest -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME)
	$(GO) test ./metrics -run '^$$' -fuzz FuzzScrapeAndRate -fuzztime $(FUZZTIME) -fuzzminimizetime 1s
	$(GO) test ./cluster -run '^$$' -fuzz FuzzReadProtobufList -fuzztime $(FUZZTIME)

.PHONY: bench
bench: ## Audit benchmarks at 100k pods (CPU, allocation per pod) and fixes at 10k pods (docs/PERFORMANCE.md)
	$(GO) test ./audit -run '^$$' -bench 'Audit100k' -benchtime 5x -count 3
	$(GO) test ./remediate -run '^$$' -bench 'Fix10k' -benchtime 3x -benchmem

.PHONY: bench-ui
bench-ui: ## TUI benchmarks: keypress at 50k pods, live refresh at 50k, first frame at 10k (p50/p99 ms)
	$(GO) test ./ui -run '^$$' -bench . -benchtime 300x -count 3

.PHONY: helm
helm: ## Build bin/helm (helm.sh/helm/v4 at HELM_VERSION from the Go module proxy; skips when bin/helm is that version)
	@if [ -x $(BIN)/helm ] && $(GO) version -m $(BIN)/helm | grep -Eq '^\s+mod\s+helm.sh/helm/v4\s+$(HELM_VERSION)\s'; then \
		echo "bin/helm: helm.sh/helm/v4 $(HELM_VERSION)"; \
	else \
		echo "building bin/helm $(HELM_VERSION) (a few minutes the first time on 2 cores)"; \
		GOBIN=$(abspath $(BIN)) $(GO) install helm.sh/helm/v4/cmd/helm@$(HELM_VERSION); \
	fi

.PHONY: helm-lint
helm-lint: helm ## helm lint and helm template of deploy/helm/tiergate, with default and with every option on
	$(BIN)/helm lint --strict deploy/helm/tiergate
	$(BIN)/helm lint --strict deploy/helm/tiergate $(HELM_ALL_ON)
	$(BIN)/helm template tiergate deploy/helm/tiergate --namespace tiergate-system >/dev/null
	$(BIN)/helm template tiergate deploy/helm/tiergate --namespace tiergate-system $(HELM_ALL_ON) >/dev/null
	TIERGATE_HELM=$(abspath $(BIN)/helm) $(GO) test -count=1 ./deploy

.PHONY: servicemonitor-crd
servicemonitor-crd: $(SERVICEMONITOR_CRD) ## The ServiceMonitor CRD for the chart's install test (controller-gen over prometheus-operator's API types)

$(SERVICEMONITOR_CRD):
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" && \
	$(GO) mod init tiergate.invalid/servicemonitor-crd >/dev/null 2>&1 && \
	$(GO) get github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1@$(PROMETHEUS_OPERATOR_VERSION) && \
	$(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION) crd:crdVersions=v1 \
		paths=github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1 output:crd:dir="$$tmp/out" && \
	sed -i 's|^    controller-gen.kubebuilder.io/version: .*|&\n    operator.prometheus.io/version: $(PROMETHEUS_OPERATOR_VERSION:v%=%)|' out/monitoring.coreos.com_servicemonitors.yaml && \
	if ! echo "$(SERVICEMONITOR_CRD_SHA256)  out/monitoring.coreos.com_servicemonitors.yaml" | sha256sum -c --quiet; then \
		echo "the generated ServiceMonitor CRD is not prometheus-operator $(PROMETHEUS_OPERATOR_VERSION)'s released one" >&2; exit 1; fi && \
	mkdir -p $(abspath $(dir $@)) && cp out/monitoring.coreos.com_servicemonitors.yaml $(abspath $@)
	@echo "$@"

# Every optional object of the chart on (its tests and the install test use the same).
HELM_ALL_ON := --set serviceMonitor.enabled=true --set grafanaDashboard.enabled=true --set networkPolicy.enabled=true --set reports=openreports --set scope.selector=tier!=dev

.PHONY: k8s-bins
k8s-bins: ## Build etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and kwok into bin/k8s (skips what exists)
	./hack/k8s/build.sh

.PHONY: test-integration
test-integration: k8s-bins prometheus-bin helm servicemonitor-crd ## Integration tests against a real control plane (started per test package) and a real Prometheus
	TIERGATE_INTEGRATION=1 TIERGATE_SERVICEMONITOR_CRD=$(abspath $(SERVICEMONITOR_CRD)) $(GO) test -race -count=1 -timeout 30m -tags integration ./...

.PHONY: prometheus-bin
prometheus-bin: ## Unpack Debian's Prometheus into bin/prometheus for the metrics integration test
	./hack/prometheus/install.sh

.PHONY: e2e
e2e: k8s-bins ## Only the end-to-end TUI test: the real binary in tmux against a real control plane
	TIERGATE_INTEGRATION=1 $(GO) test -count=1 -tags integration -v ./e2e

.PHONY: bench-live
bench-live: k8s-bins ## Live audit vs raw LIST vs kubectl at PODS pods (default 10000) on a real control plane
	./hack/k8s/build.sh
	$(GO) run ./hack/benchlive -pods $(or $(PODS),10000)

.PHONY: lab
lab: k8s-bins ## Start a local control plane with the example platform loaded (.lab/kubeconfig)
	$(GO) run ./hack/lab up

.PHONY: lab-down
lab-down: ## Stop the lab and remove its state
	$(GO) run ./hack/lab down

.PHONY: golden
golden: ## Rewrite golden files and docs/rules.md after an intended output change
	$(GO) test ./cmd -update
	$(GO) test ./ui -update
	$(GO) test ./remediate -update
	$(GO) test ./fingerprint -update

.PHONY: clean
clean: ## Remove build output
	rm -rf $(BIN) dist
