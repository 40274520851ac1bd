#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files shared.yaml
# 4 fixes, 1 held back (commented out, with the reason), 1 finding left to a human (listed at the end).
set -eu

# ── Deployment/billing/billing-agent

# [new-runtime-class] Create RuntimeClass kata-qemu (handler kata-qemu, vm) for agent workloads that need vm.
#   WARNING: RuntimeClass kata-qemu needs handler kata-qemu installed on the nodes labelled katacontainers.io/kata-runtime=true (Kata Containers on QEMU, installed by kata-deploy)
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: node.k8s.io/v1
handler: kata-qemu
kind: RuntimeClass
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: kata-qemu
overhead:
  podFixed:
    cpu: 250m
    memory: 160Mi
scheduling:
  nodeSelector:
    katacontainers.io/kata-runtime: "true"
TIERGATE_EOF

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/billing-agent --namespace=billing --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# [network-policy] Create NetworkPolicy billing-agent-egress: egress to cluster DNS only (no destination derived from the pods' configuration); 1 to fill in.
#   resolves: TG-NET-001
#   WARNING: applied as it is, this cuts the pods off from api.anthropic.com:443: fill in the rules the manifest lists first
#   HELD BACK: applied as it is, it cuts the pods off from api.anthropic.com:443: fill in its allow-list (the manifest lists what to add) and apply that; tiergate fix --allow-egress-gaps writes this command
# kubectl apply -f - <<'TIERGATE_EOF'
# apiVersion: networking.k8s.io/v1
# kind: NetworkPolicy
# metadata:
#   labels:
#     app.kubernetes.io/managed-by: tiergate
#   name: billing-agent-egress
#   namespace: billing
# spec:
#   egress:
#   - ports:
#     - port: 53
#       protocol: UDP
#     - port: 53
#       protocol: TCP
#     to:
#     - namespaceSelector:
#         matchLabels:
#           kubernetes.io/metadata.name: kube-system
#       podSelector:
#         matchLabels:
#           k8s-app: kube-dns
#   # FILL IN before applying, or these stay unreachable:
#   #   api.anthropic.com:443 (env ANTHROPIC_API_KEY of container agent, the client's default endpoint): outside the cluster; a NetworkPolicy cannot allow a name: add an ipBlock for its addresses, or send it through an egress proxy the policy allows
#   # To add a destination, for example
#   # - to:                    # the model gateway
#   #   - namespaceSelector:
#   #       matchLabels:
#   #         kubernetes.io/metadata.name: llm-gateway
#   #   ports:
#   #   - port: 443
#   #     protocol: TCP
#   # - to:                    # telemetry (OTLP collector)
#   #   - namespaceSelector:
#   #       matchLabels:
#   #         kubernetes.io/metadata.name: observability
#   #   ports:
#   #   - port: 4317
#   #     protocol: TCP
#   # Never allow 169.254.169.254 (cloud metadata: it hands out node credentials).
#   podSelector:
#     matchLabels:
#       app: billing-agent
#   policyTypes:
#   - Egress
# TIERGATE_EOF

# ── Deployment/docs/docs-agent

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/docs-agent --namespace=docs --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# ── Left to a human (no automatic fix):
#   Deployment/docs/docs-agent TG-NET-001: no NetworkPolicy with policyTypes Egress in the input selects the pod: it can reach any address, 169.254.169.254 included
#     why: its pod labels also select Deployment/web, whose egress a policy for this workload would cut: give the pods a label of their own first
