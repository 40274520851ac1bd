#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files runtime.yaml
# 5 fixes, 3 held back (commented out, with the reason), 1 finding left to a human (listed at the end).
set -eu

# ── Deployment/agents/research-agent

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/research-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# [network-policy] Create NetworkPolicy research-agent-egress: egress to cluster DNS only (no destination derived from the pods' configuration); 1 to fill in.
#   resolves: TG-NET-001
#   WARNING: applied as it is, this cuts the pods off from api.openai.com:443: fill in the rules the manifest lists first
#   HELD BACK: applied as it is, it cuts the pods off from api.openai.com:443: fill in its allow-list (the manifest lists what to add) and apply that; tiergate fix --allow-egress-gaps writes this command
# kubectl apply -f - <<'TIERGATE_EOF'
# apiVersion: networking.k8s.io/v1
# kind: NetworkPolicy
# metadata:
#   labels:
#     app.kubernetes.io/managed-by: tiergate
#   name: research-agent-egress
#   namespace: agents
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
#   #   api.openai.com:443 (env OPENAI_API_KEY of container agent, the client's default endpoint): outside the cluster; a NetworkPolicy cannot allow a name: add an ipBlock for its addresses, or send it through an egress proxy the policy allows
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
#       app: research-agent
#   policyTypes:
#   - Egress
# TIERGATE_EOF

# ── Deployment/agents/vision-agent

# [network-policy] Create NetworkPolicy vision-agent-egress: egress to cluster DNS only (no destination derived from the pods' configuration); 1 to fill in.
#   resolves: TG-NET-001
#   WARNING: applied as it is, this cuts the pods off from api.openai.com:443: fill in the rules the manifest lists first
#   HELD BACK: applied as it is, it cuts the pods off from api.openai.com:443: fill in its allow-list (the manifest lists what to add) and apply that; tiergate fix --allow-egress-gaps writes this command
# kubectl apply -f - <<'TIERGATE_EOF'
# apiVersion: networking.k8s.io/v1
# kind: NetworkPolicy
# metadata:
#   labels:
#     app.kubernetes.io/managed-by: tiergate
#   name: vision-agent-egress
#   namespace: agents
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
#   #   api.openai.com:443 (env OPENAI_API_KEY of container agent, the client's default endpoint): outside the cluster; a NetworkPolicy cannot allow a name: add an ipBlock for its addresses, or send it through an egress proxy the policy allows
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
#       app: vision-agent
#   policyTypes:
#   - Egress
# TIERGATE_EOF

# ── Deployment/sandbox/code-runner

# [runtime-class] Set runtimeClassName to kata-fc (microvm) to meet the code-exec tier (microvm).
#   resolves: TG-ISO-001
#   WARNING: would leave the pod Pending: no node reports runtime handler kata-fc in status.runtimeHandlers: the pod will stay Pending
#   HELD BACK: its pods would stay Pending until a node can run RuntimeClass kata-fc; tiergate fix --allow-pending writes this command
# kubectl patch deployment/code-runner --namespace=sandbox --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-fc"}}}}'

# [network-policy] Create NetworkPolicy code-runner-egress: egress to cluster DNS only (no destination derived from the pods' configuration).
#   resolves: TG-NET-001
#   WARNING: the pods' configuration names no destination: they reach nothing but DNS; add the model gateway, telemetry and the APIs they call if they use any
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
      app: code-runner
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Left to a human (no automatic fix):
#   Deployment/agents/vision-agent TG-ISO-001: agent workload runs on shared-kernel (no runtimeClassName); the tier table requires vm (2 classes short)
#     why: a new kata-qemu-nvidia-gpu RuntimeClass would not resolve it: requests 1 nvidia.com/gpu under handler kata-qemu-nvidia-gpu: its VFIO passthrough hands the VM only the devices asked as nvidia.com/pgpu, nvidia.com/nvswitch, nvidia.com/*_* (the policy's vfioGPUResources); nvidia.com/gpu is allocated on the host and never reaches the VM: the GPU will not be in the VM
