#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files enforced.yaml
# 2 fixes, 0 findings left to a human (listed at the end).
set -eu

# ── Deployment/agents/support-agent

# [security-context] Harden the securityContext: runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (agent), TG-PSS-002 (agent), TG-PSS-003 (agent), TG-PSS-004 (agent), TG-PSS-005 (agent), TG-PSS-011
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch deployment/support-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"agent","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp"}]}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp"}]}}}}'

# [network-policy] Create NetworkPolicy support-agent-egress: egress to cluster DNS only (no destination derived from the pods' configuration).
#   resolves: TG-NET-001
#   WARNING: the pods' configuration names no destination: they reach nothing but DNS; add the model gateway, telemetry and the APIs they call if they use any
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: support-agent-egress
  namespace: agents
spec:
  egress:
  - ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
    to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
  # To add a destination, for example
  # - to:                    # the model gateway
  #   - namespaceSelector:
  #       matchLabels:
  #         kubernetes.io/metadata.name: llm-gateway
  #   ports:
  #   - port: 443
  #     protocol: TCP
  # - to:                    # telemetry (OTLP collector)
  #   - namespaceSelector:
  #       matchLabels:
  #         kubernetes.io/metadata.name: observability
  #   ports:
  #   - port: 4317
  #     protocol: TCP
  # Never allow 169.254.169.254 (cloud metadata: it hands out node credentials).
  podSelector:
    matchLabels:
      app: support-agent
  policyTypes:
  - Egress
TIERGATE_EOF
