#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files runtime.yaml
# 6 fixes, 1 held back (commented out, with the reason), 0 findings left to a human (listed at the end).
set -eu

# ── Deployment/agents/research-agent

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/research-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# [network-policy] Create NetworkPolicy research-agent-egress: egress to cluster DNS only, plus the allow-list you fill in.
#   resolves: TG-NET-001
#   WARNING: until the allow-list is filled in, the pods reach nothing but DNS: add the model gateway, telemetry and the APIs they call
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: research-agent-egress
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
  # Allow-list: add the destinations this workload needs, for example
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
      app: research-agent
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Deployment/agents/vision-agent

# [runtime-class] Set runtimeClassName to kata-qemu-nvidia-gpu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/vision-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu-nvidia-gpu"}}}}'

# [network-policy] Create NetworkPolicy vision-agent-egress: egress to cluster DNS only, plus the allow-list you fill in.
#   resolves: TG-NET-001
#   WARNING: until the allow-list is filled in, the pods reach nothing but DNS: add the model gateway, telemetry and the APIs they call
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: vision-agent-egress
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
  # Allow-list: add the destinations this workload needs, for example
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
      app: vision-agent
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Deployment/sandbox/code-runner

# [runtime-class] Set runtimeClassName to kata-fc (microvm) to meet the code-exec tier (microvm).
#   resolves: TG-ISO-001
#   WARNING: would leave the pod Pending: no node reports runtime handler kata-fc in status.runtimeHandlers: the pod will stay Pending
#   HELD BACK: its pods would stay Pending until a node can run RuntimeClass kata-fc; tiergate fix --allow-pending writes this command
# kubectl patch deployment/code-runner --namespace=sandbox --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-fc"}}}}'

# [network-policy] Create NetworkPolicy code-runner-egress: egress to cluster DNS only, plus the allow-list you fill in.
#   resolves: TG-NET-001
#   WARNING: until the allow-list is filled in, the pods reach nothing but DNS: add the model gateway, telemetry and the APIs they call
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: code-runner-egress
  namespace: sandbox
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
  # Allow-list: add the destinations this workload needs, for example
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
      app: code-runner
  policyTypes:
  - Egress
TIERGATE_EOF
