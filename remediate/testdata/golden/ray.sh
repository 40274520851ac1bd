#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files ray.yaml
# 12 fixes, 4 findings left to a human (listed at the end).
set -eu

# ── RayCluster/kinds/ray-llm

# [security-context] Harden the securityContext (head): runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (head), TG-PSS-002 (head), TG-PSS-003 (head), TG-PSS-004 (head), TG-PSS-005 (head)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch raycluster/ray-llm --namespace=kinds --type json -p '[{"op":"test","path":"/spec/headGroupSpec/template/spec/containers/0/name","value":"head"},{"op":"add","path":"/spec/headGroupSpec/template/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"add","path":"/spec/headGroupSpec/template/spec/containers/0/volumeMounts","value":[{"mountPath":"/tmp","name":"tmp"}]},{"op":"add","path":"/spec/headGroupSpec/template/spec/securityContext","value":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}},{"op":"add","path":"/spec/headGroupSpec/template/spec/volumes","value":[{"emptyDir":{},"name":"tmp"}]}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (head).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch raycluster/ray-llm --namespace=kinds --type json -p '[{"op":"add","path":"/spec/headGroupSpec/template/spec/automountServiceAccountToken","value":false}]'

# [network-policy] Create NetworkPolicy ray-llm-head-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: ray-llm-head-egress
  namespace: kinds
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
          ray.io/cluster: ray-llm
  # Derived by tiergate from the pods' configuration:
  #   its own pods, every port (RayCluster peers: replication, membership, sharding)
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
      ray.io/cluster: ray-llm
      ray.io/node-type: head
  policyTypes:
  - Egress
TIERGATE_EOF

# [security-context] Harden the securityContext (worker group gpu-group): runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (worker), TG-PSS-002 (worker), TG-PSS-003 (worker), TG-PSS-004 (worker), TG-PSS-005 (worker)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch raycluster/ray-llm --namespace=kinds --type json -p '[{"op":"test","path":"/spec/workerGroupSpecs/0/template/spec/containers/0/name","value":"worker"},{"op":"add","path":"/spec/workerGroupSpecs/0/template/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"add","path":"/spec/workerGroupSpecs/0/template/spec/containers/0/volumeMounts","value":[{"mountPath":"/tmp","name":"tmp"}]},{"op":"add","path":"/spec/workerGroupSpecs/0/template/spec/securityContext","value":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}},{"op":"add","path":"/spec/workerGroupSpecs/0/template/spec/volumes","value":[{"emptyDir":{},"name":"tmp"}]}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (worker group gpu-group).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch raycluster/ray-llm --namespace=kinds --type json -p '[{"op":"add","path":"/spec/workerGroupSpecs/0/template/spec/automountServiceAccountToken","value":false}]'

# [network-policy] Create NetworkPolicy ray-llm-worker-group-gpu-group-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: ray-llm-worker-group-gpu-group-egress
  namespace: kinds
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
          ray.io/cluster: ray-llm
  # Derived by tiergate from the pods' configuration:
  #   its own pods, every port (RayCluster peers: replication, membership, sharding)
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
      ray.io/cluster: ray-llm
      ray.io/node-type: worker
  policyTypes:
  - Egress
TIERGATE_EOF

# ── RayService/kinds/ray-serve

# [security-context] Harden the securityContext (head): runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (head), TG-PSS-002 (head), TG-PSS-003 (head), TG-PSS-004 (head), TG-PSS-005 (head)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch rayservice/ray-serve --namespace=kinds --type json -p '[{"op":"test","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/containers/0/name","value":"head"},{"op":"add","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"add","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/containers/0/volumeMounts","value":[{"mountPath":"/tmp","name":"tmp"}]},{"op":"add","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/securityContext","value":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}},{"op":"add","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/volumes","value":[{"emptyDir":{},"name":"tmp"}]}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (head).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch rayservice/ray-serve --namespace=kinds --type json -p '[{"op":"add","path":"/spec/rayClusterConfig/headGroupSpec/template/spec/automountServiceAccountToken","value":false}]'

# [network-policy] Create NetworkPolicy ray-serve-head-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: ray-serve-head-egress
  namespace: kinds
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
          ray.io/is-ray-node: "yes"
  # Derived by tiergate from the pods' configuration:
  #   the namespace's pods labelled ray.io/is-ray-node=yes, every port (RayService peers; the name its pods carry is generated: narrow this to them once known)
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
      ray.io/node-type: head
      ray.io/originated-from-crd: RayService
  policyTypes:
  - Egress
TIERGATE_EOF

# [security-context] Harden the securityContext (worker group gpu-group): runAsNonRoot, seccomp RuntimeDefault, no privilege escalation, read-only root filesystem, drop ALL capabilities.
#   resolves: TG-PSS-001 (worker), TG-PSS-002 (worker), TG-PSS-003 (worker), TG-PSS-004 (worker), TG-PSS-005 (worker)
#   WARNING: runAsNonRoot: the image must run as a non-root user (USER in its Dockerfile), else its pods fail with CreateContainerConfigError; set runAsUser if it does not
#   WARNING: readOnlyRootFilesystem: /tmp becomes an emptyDir; a process that writes elsewhere (caches, model downloads) needs its own emptyDir mount
kubectl patch rayservice/ray-serve --namespace=kinds --type json -p '[{"op":"test","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/containers/0/name","value":"worker"},{"op":"add","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/containers/0/securityContext","value":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"readOnlyRootFilesystem":true}},{"op":"add","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/containers/0/volumeMounts","value":[{"mountPath":"/tmp","name":"tmp"}]},{"op":"add","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/securityContext","value":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}}},{"op":"add","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/volumes","value":[{"emptyDir":{},"name":"tmp"}]}]'

# [service-account-token] Set automountServiceAccountToken: false on the pod template (worker group gpu-group).
#   resolves: TG-IDN-001
#   WARNING: if the workload calls the Kubernetes API, give it a projected token volume with the audience and lifetime it needs instead
kubectl patch rayservice/ray-serve --namespace=kinds --type json -p '[{"op":"add","path":"/spec/rayClusterConfig/workerGroupSpecs/0/template/spec/automountServiceAccountToken","value":false}]'

# [network-policy] Create NetworkPolicy ray-serve-worker-group-gpu-group-egress: egress to cluster DNS and 1 destination derived from the pods' configuration.
#   resolves: TG-NET-001
kubectl apply -f - <<'TIERGATE_EOF'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  labels:
    app.kubernetes.io/managed-by: tiergate
  name: ray-serve-worker-group-gpu-group-egress
  namespace: kinds
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
          ray.io/is-ray-node: "yes"
  # Derived by tiergate from the pods' configuration:
  #   the namespace's pods labelled ray.io/is-ray-node=yes, every port (RayService peers; the name its pods carry is generated: narrow this to them once known)
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
      ray.io/node-type: worker
      ray.io/originated-from-crd: RayService
  policyTypes:
  - Egress
TIERGATE_EOF

# ── Left to a human (no automatic fix):
#   RayCluster/kinds/ray-llm TG-ISO-002: inference workload runs on shared-kernel (head); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   RayCluster/kinds/ray-llm TG-ISO-002: inference workload runs on shared-kernel (worker group gpu-group); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   RayService/kinds/ray-serve TG-ISO-002: inference workload runs on shared-kernel (head); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
#   RayService/kinds/ray-serve TG-ISO-002: inference workload runs on shared-kernel (worker group gpu-group); gvisor is recommended
#     why: below the recommended isolation only; tiergate fixes the minimum, choose a stronger RuntimeClass by hand
