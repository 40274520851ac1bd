#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files kinds.yaml
# 7 fixes, 4 held back (commented out, with the reason), 7 findings left to a human (listed at the end).
set -eu

# ── Pod/agents/scratch-agent

# [security-context] Harden the securityContext: seccomp RuntimeDefault.
#   resolves: TG-PSS-002

# [service-account-token] Set automountServiceAccountToken: false on the pod template.
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead

# A Pod's pod spec cannot change in place: delete Pod/agents/scratch-agent and create it again from its
# manifest with the changes above (tiergate fix -f FILE -o manifests writes them in), as this patch:
#   {"spec":{"automountServiceAccountToken":false,"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}}

# ── Deployment/llm/llama-vllm

# [security-context] Harden the securityContext: runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (fetch-model, vllm, log-shipper), TG-PSS-002 (fetch-model, vllm, log-shipper), TG-PSS-003 (fetch-model, vllm), TG-PSS-004 (fetch-model, vllm, log-shipper), TG-PSS-005 (fetch-model, vllm, log-shipper)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch deployment/llama-vllm --namespace=llm --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"vllm","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"name":"log-shipper","securityContext":{"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp-2"}]}],"initContainers":[{"name":"fetch-model","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp-2"}]}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp-2"}]}}}}'

# [service-account-token] Set automountServiceAccountToken: false on the pod template.
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch deployment/llama-vllm --namespace=llm --type strategic -p '{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}'

# [network-policy] Create NetworkPolicy llama-vllm-egress: egress to cluster DNS only (no destination derived from the pods' configuration); 1 to fill in.
#   resolves: TG-NET-001
#   WARNING: applied as it is, this cuts the pods off from huggingface.co:443: fill in the rules the manifest lists first
#   HELD BACK: applied as it is, it cuts the pods off from huggingface.co:443: fill in its allow-list (the manifest lists what to add) and apply that; tiergate fix --allow-egress-gaps writes this command
# kubectl apply -f - <<'TIERGATE_EOF'
# apiVersion: networking.k8s.io/v1
# kind: NetworkPolicy
# metadata:
#   labels:
#     app.kubernetes.io/managed-by: tiergate
#   name: llama-vllm-egress
#   namespace: llm
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
#   #   huggingface.co:443 (env HF_TOKEN of container vllm, the client's default endpoint): outside the cluster; a NetworkPolicy cannot allow a name: add an ipBlock for its addresses, or send it through an egress proxy the policy allows
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
#       app: llama-vllm
#   policyTypes:
#   - Egress
# TIERGATE_EOF

# ── CronJob/rag/docs-embed

# [security-context] Harden the securityContext: seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-002 (embed), TG-PSS-003 (embed), TG-PSS-004 (embed), TG-PSS-005 (embed)
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch cronjob/docs-embed --namespace=rag --type strategic -p '{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"name":"embed","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp"}]}],"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp"}]}}}}}}'

# [network-policy] Create NetworkPolicy docs-embed-egress: egress to cluster DNS only (no destination derived from the pods' configuration); 1 to fill in.
#   resolves: TG-NET-001
#   WARNING: applied as it is, this cuts the pods off from qdrant:6333: fill in the rules the manifest lists first
#   HELD BACK: applied as it is, it cuts the pods off from qdrant:6333: fill in its allow-list (the manifest lists what to add) and apply that; tiergate fix --allow-egress-gaps writes this command
# kubectl apply -f - <<'TIERGATE_EOF'
# apiVersion: networking.k8s.io/v1
# kind: NetworkPolicy
# metadata:
#   labels:
#     app.kubernetes.io/managed-by: tiergate
#   name: docs-embed-egress
#   namespace: rag
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
#   #   qdrant:6333 (env QDRANT_URL of container embed): Service rag/qdrant was not seen: add a rule selecting its pods and their port
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
#       app: docs-embed
#   policyTypes:
#   - Egress
# TIERGATE_EOF

# ── Left to a human (no automatic fix):
#   Pod/agents/scratch-agent TG-NET-001: pod uses hostNetwork: NetworkPolicies do not restrict it, so its egress is open
#     why: the pod uses hostNetwork, which NetworkPolicies do not restrict: drop hostNetwork first
#   Pod/agents/scratch-agent TG-PSS-008: pod shares the host's namespaces (Pod Security restricted: hostNetwork=true)
#     why: removing it depends on what the workload does with it: change it by hand
#   Deployment/llm/llama-vllm TG-PSS-003: container "log-shipper" allows privilege escalation (Pod Security restricted: must set securityContext.allowPrivilegeEscalation=false)
#     why: the container is privileged; remove privileged: true first
#   Deployment/llm/llama-vllm TG-ISO-002: inference workload runs on shared-kernel; gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   Deployment/llm/llama-vllm TG-PSS-007: container "log-shipper" is privileged (Pod Security restricted: must not set securityContext.privileged=true)
#     why: removing it depends on what the workload does with it: change it by hand
#   CronJob/rag/docs-embed TG-PSS-001: container "embed" may run as root (Pod Security restricted: must set securityContext.runAsNonRoot=true)
#     why: a container runs as UID 0 (runAsUser: 0): choose a non-root UID first (TG-PSS-012), then runAsNonRoot can be set
#   CronJob/rag/docs-embed TG-PSS-012: container "embed" runs as UID 0 (Pod Security restricted: must not set runAsUser=0)
#     why: it sets runAsUser: 0; choose the UID the image should run as
