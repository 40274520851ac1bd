#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files llm-platform.yaml
# 17 fixes, 1 held back (commented out, with the reason), 17 findings left to a human (listed at the end).
set -eu

# ── Deployment/agents/browser-agent

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-004
kubectl patch deployment/browser-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# ── Deployment/agents/research-agent

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001
kubectl patch deployment/research-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# [security-context] Harden the securityContext: seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-002 (agent), TG-PSS-003 (agent), TG-PSS-004 (agent), TG-PSS-005 (agent)
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch deployment/research-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"agent","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp"}]}],"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp"}]}}}}'

# [service-account-token] Set automountServiceAccountToken: false on the pod template.
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch deployment/research-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}'

# [network-policy] Create NetworkPolicy research-agent-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
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
  - ports:
    - port: 3128
      protocol: TCP
    to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: platform
      podSelector:
        matchLabels:
          app.kubernetes.io/name: egress-proxy
  # Derived by tiergate from the pods' configuration:
  #   Service platform/egress-proxy port 3128 → pods' port 3128 (env HTTPS_PROXY of container agent)
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
      app.kubernetes.io/name: research-agent
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Deployment/code-sandbox/code-interpreter

# [runtime-class] Set runtimeClassName to kata-clh (microvm) to meet the code-exec tier (microvm).
#   resolves: TG-ISO-001
kubectl patch deployment/code-interpreter --namespace=code-sandbox --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-clh"}}}}'

# ── Deployment/code-sandbox/openhands

# [runtime-class] Set runtimeClassName to kata-clh (microvm) to meet the code-exec tier (microvm).
#   resolves: TG-ISO-001
kubectl patch deployment/openhands --namespace=code-sandbox --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-clh"}}}}'

# [security-context] Harden the securityContext: runAsNonRoot, seccomp RuntimeDefault, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (openhands), TG-PSS-002 (openhands), TG-PSS-004 (openhands), TG-PSS-005 (openhands)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch deployment/openhands --namespace=code-sandbox --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"openhands","securityContext":{"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp"}]}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp"}]}}}}'

# [service-account-token] Set automountServiceAccountToken: false on the pod template.
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch deployment/openhands --namespace=code-sandbox --type strategic -p '{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}'

# ── LeaderWorkerSet/llm-serving/deepseek-r1-vllm

# [security-context] Harden the securityContext (leaderTemplate): runAsNonRoot, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (vllm-leader), TG-PSS-003 (vllm-leader), TG-PSS-004 (vllm-leader), TG-PSS-005 (vllm-leader)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch leaderworkerset/deepseek-r1-vllm --namespace=llm-serving --type json -p '[{"op":"test","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/name","value":"vllm-leader"},{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"test","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/volumeMounts","value":[{"mountPath":"/models","name":"model-weights","readOnly":true},{"mountPath":"/dev/shm","name":"dshm"}]},{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/containers/0/volumeMounts/2","value":{"mountPath":"/tmp","name":"tmp"}},{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/securityContext/runAsNonRoot","value":true},{"op":"test","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/volumes","value":[{"name":"model-weights","persistentVolumeClaim":{"claimName":"model-weights","readOnly":true}},{"emptyDir":{"medium":"Memory","sizeLimit":"64Gi"},"name":"dshm"}]},{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/volumes/2","value":{"emptyDir":{},"name":"tmp"}}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (leaderTemplate).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch leaderworkerset/deepseek-r1-vllm --namespace=llm-serving --type json -p '[{"op":"add","path":"/spec/leaderWorkerTemplate/leaderTemplate/spec/automountServiceAccountToken","value":false}]'

# [security-context] Harden the securityContext (workerTemplate): runAsNonRoot, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (vllm-worker), TG-PSS-003 (vllm-worker), TG-PSS-004 (vllm-worker), TG-PSS-005 (vllm-worker)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch leaderworkerset/deepseek-r1-vllm --namespace=llm-serving --type json -p '[{"op":"test","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/name","value":"vllm-worker"},{"op":"add","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"test","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/volumeMounts","value":[{"mountPath":"/models","name":"model-weights","readOnly":true},{"mountPath":"/dev/shm","name":"dshm"}]},{"op":"add","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/containers/0/volumeMounts/2","value":{"mountPath":"/tmp","name":"tmp"}},{"op":"add","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/securityContext/runAsNonRoot","value":true},{"op":"test","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/volumes","value":[{"name":"model-weights","persistentVolumeClaim":{"claimName":"model-weights","readOnly":true}},{"emptyDir":{"medium":"Memory","sizeLimit":"64Gi"},"name":"dshm"}]},{"op":"add","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/volumes/2","value":{"emptyDir":{},"name":"tmp"}}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (workerTemplate).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch leaderworkerset/deepseek-r1-vllm --namespace=llm-serving --type json -p '[{"op":"add","path":"/spec/leaderWorkerTemplate/workerTemplate/spec/automountServiceAccountToken","value":false}]'

# ── StatefulSet/rag/qdrant

# [runtime-class] Set runtimeClassName to gvisor (gvisor) to meet the retrieval tier (gvisor).
#   resolves: TG-ISO-001
#   WARNING: would leave the pod Pending: no node can run the pod: 7 nodes: node selector or affinity does not match
#   HELD BACK: its pods would stay Pending until a node can run RuntimeClass gvisor; tiergate fix --allow-pending writes this command
# kubectl patch statefulset/qdrant --namespace=rag --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"gvisor"}}}}'

# [security-context] Harden the securityContext: runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (qdrant), TG-PSS-002 (qdrant), TG-PSS-003 (qdrant), TG-PSS-004 (qdrant), TG-PSS-005 (qdrant)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch statefulset/qdrant --namespace=rag --type strategic -p '{"spec":{"template":{"spec":{"containers":[{"name":"qdrant","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true},"volumeMounts":[{"mountPath":"/tmp","name":"tmp"}]}],"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"volumes":[{"emptyDir":{},"name":"tmp"}]}}}}'

# [service-account-token] Set automountServiceAccountToken: false on the pod template.
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch statefulset/qdrant --namespace=rag --type strategic -p '{"spec":{"template":{"spec":{"automountServiceAccountToken":false}}}}'

# [network-policy] Create NetworkPolicy qdrant-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: qdrant-egress
  namespace: rag
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
  - to:
    - podSelector:
        matchLabels:
          app.kubernetes.io/name: qdrant
          app.kubernetes.io/part-of: rag
  # Derived by tiergate from the pods' configuration:
  #   its own pods, every port (StatefulSet peers: replication, membership, sharding)
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
      app.kubernetes.io/name: qdrant
      app.kubernetes.io/part-of: rag
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Left to a human (no automatic fix):
#   Deployment/agents/incident-copilot TG-ISO-003: RuntimeClass vendor-sandbox uses handler "vsand", which tiergate does not know: its isolation is unknown (add it to the policy's handlers)
#     why: the policy does not know this handler: map it under handlers: in the policy, or choose a known RuntimeClass
#   Pod/code-sandbox/jovyan-5f0c3b2e-9d41-4a8e-b7c2-61e0f4a9d3b7 TG-GPU-001: requests 1 nvidia.com/gpu under handler kata-fc: microvm (Kata on Firecracker) cannot pass GPUs through unless the policy marks the handler GPU-capable
#     why: no known microVM runtime passes GPUs through: mark a GPU-capable microVM handler in the policy (handlers[].gpu), or run the GPU part elsewhere
#   Pod/code-sandbox/jovyan-5f0c3b2e-9d41-4a8e-b7c2-61e0f4a9d3b7 TG-SCH-002: no node can run the pod: 1 node: no runtime handler kata-fc; 5 nodes: node selector or affinity does not match; 1 node: not enough nvidia.com/gpu
#     why: a scheduling problem of the nodes or the RuntimeClass, not of the workload
#   Deployment/code-sandbox/openhands TG-PSS-003: container "openhands" allows privilege escalation (Pod Security restricted: must set securityContext.allowPrivilegeEscalation=false)
#     why: the container is privileged; remove privileged: true first
#   Deployment/code-sandbox/openhands TG-PSS-007: container "openhands" is privileged (Pod Security restricted: must not set securityContext.privileged=true)
#     why: removing it depends on what the workload does with it: change it by hand
#   Deployment/code-sandbox/openhands TG-PSS-010: volume "docker-sock" mounts /var/run/docker.sock from the host: it reaches the container runtime (or the whole host)
#     why: removing it depends on what the workload does with it: change it by hand
#   LeaderWorkerSet/llm-serving/deepseek-r1-vllm TG-ISO-002: inference workload runs on shared-kernel (leaderTemplate); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   LeaderWorkerSet/llm-serving/deepseek-r1-vllm TG-ISO-002: inference workload runs on shared-kernel (workerTemplate); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   Deployment/llm-serving/litellm-gateway TG-ISO-002: inference workload runs on shared-kernel; gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   Deployment/llm-serving/litellm-gateway TG-NET-002: NetworkPolicy litellm-gateway-providers egress rule 1 allows every destination on port 443
#     why: an existing NetworkPolicy allows it and NetworkPolicies add up: narrow that policy's rule by hand
#   Deployment/llm-serving/qwen25-1p5b-sglang TG-GPU-001: requests 1 nvidia.com/mig-1g.10gb under handler runsc-nvproxy: gVisor's nvproxy cannot use MIG slices (no /dev/nvidia-caps)
#     why: MIG slices pass through no sandbox runtime (gVisor has no /dev/nvidia-caps, Kata passes whole GPUs): request whole GPUs, then fix again; or remove runtimeClassName (the inference tier allows the shared kernel)
#   StatefulSet/llm-serving/tgi-mistral-7b TG-ISO-002: inference workload runs on shared-kernel; gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   Deployment/rag/bge-reranker TG-NET-002: NetworkPolicy bge-reranker-allow-all egress rule 1 allows every destination on every port
#     why: an existing NetworkPolicy allows it and NetworkPolicies add up: narrow that policy's rule by hand
#   Deployment/rag/bge-reranker TG-NET-003: NetworkPolicy bge-reranker-allow-all egress rule 1 allows 169.254.169.254 (cloud metadata)
#     why: an existing NetworkPolicy allows it and NetworkPolicies add up: narrow that policy's rule by hand
#   CronJob/rag/docs-embed-ingest TG-NET-003: NetworkPolicy docs-embed-ingest-egress egress rule 4 allows 169.254.169.254 (cloud metadata)
#     why: an existing NetworkPolicy allows it and NetworkPolicies add up: narrow that policy's rule by hand
#   StatefulSet/rag/qdrant TG-PSS-009: volume "storage" mounts host path /mnt/disks/nvme0/qdrant (Pod Security restricted: uses restricted volume type "hostPath")
#     why: removing it depends on what the workload does with it: change it by hand
#   StatefulSet/rag/qdrant TG-PSS-011: namespace "rag" enforces Pod Security baseline:latest: its pods cannot be created (hostPath volumes)
#     why: it clears when the pod-security findings its enforce level names are fixed (or the namespace's level is lowered)
