#!/bin/sh
# tiergate fix: review every command, then run this script.
# Audited: files new-runtimeclass.yaml
# 2 fixes, 2 findings left to a human (listed at the end).
set -eu

# ── Deployment/agents/support-agent

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
  tolerations:
  - effect: NoSchedule
    key: katacontainers.io/kata-runtime
    operator: Equal
    value: "true"
TIERGATE_EOF

# [runtime-class] Set runtimeClassName to kata-qemu (vm) to meet the agent tier (vm).
#   resolves: TG-ISO-001, TG-SCH-002
kubectl patch deployment/support-agent --namespace=agents --type strategic -p '{"spec":{"template":{"spec":{"runtimeClassName":"kata-qemu"}}}}'

# ── Left to a human (no automatic fix):
#   Deployment/llm/qwen-sglang TG-GPU-001: requests 1 nvidia.com/mig-1g.10gb under handler runsc-nvproxy: gVisor's nvproxy cannot use MIG slices (no /dev/nvidia-caps)
#     why: MIG slices pass through no sandbox runtime (gVisor has no /dev/nvidia-caps, Kata passes whole GPUs): request whole GPUs, then fix again; or remove runtimeClassName (the inference tier allows the shared kernel)
#   Deployment/llm/qwen-sglang TG-SCH-002: no node can run the pod: 1 node: untolerated taint katacontainers.io/kata-runtime:NoSchedule
#     why: a scheduling problem of the nodes or the RuntimeClass, not of the workload
