package audit_test

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/policy"
)

// pssGot is a finding reduced to what attribution decides.
type pssGot struct{ rule, container, path string }

// auditSpec audits one Deployment with spec under pol (every pod is
// checked, so that classification does not matter) and returns its
// TG-PSS findings.
func auditSpec(t *testing.T, pol *policy.Policy, spec corev1.PodSpec) []pssGot {
	t.Helper()
	pol.ApplyToAllPods = true
	e, err := audit.NewEngine(pol)
	if err != nil {
		t.Fatal(err)
	}
	inv := &audit.Inventory{Workloads: []audit.Workload{{
		APIVersion: "apps/v1", Kind: "Deployment", Namespace: "ns", Name: "w",
		Templates: []audit.PodTemplate{{SpecPath: "spec.template.spec", Spec: &spec}},
	}}}
	rep := e.Audit(inv, audit.Options{})
	var out []pssGot
	for _, f := range rep.Workloads[0].Findings {
		if strings.HasPrefix(f.Rule, "TG-PSS-") {
			out = append(out, pssGot{f.Rule, f.Container, f.Path})
		}
	}
	return out
}

// hardened is a container that passes every restricted control.
func hardened(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "ghcr.io/acme/" + name + ":1", SecurityContext: &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
	}}
}

func TestPSSAttribution(t *testing.T) {
	const c0, c1 = "spec.template.spec.containers[0]", "spec.template.spec.containers[1]"
	cases := []struct {
		name      string
		spec      func() corev1.PodSpec
		want, not []pssGot
	}{
		{
			name: "pod runAsNonRoot false: the pod and the container that sets false itself",
			spec: func() corev1.PodSpec {
				a, b := hardened("a"), hardened("b")
				a.SecurityContext.RunAsNonRoot = ptr.To(false)
				b.SecurityContext.RunAsNonRoot = nil
				return corev1.PodSpec{SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(false)}, Containers: []corev1.Container{a, b}}
			},
			want: []pssGot{{audit.RuleRunAsRoot, "", "spec.template.spec.securityContext.runAsNonRoot"}, {audit.RuleRunAsRoot, "a", c0 + ".securityContext.runAsNonRoot"}},
			not:  []pssGot{{audit.RuleRunAsRoot, "b", c1 + ".securityContext.runAsNonRoot"}},
		},
		{
			name: "a non-zero runAsUser without runAsNonRoot fails restricted",
			spec: func() corev1.PodSpec {
				a := hardened("a")
				a.SecurityContext.RunAsNonRoot, a.SecurityContext.RunAsUser = nil, ptr.To[int64](1000)
				return corev1.PodSpec{Containers: []corev1.Container{a, hardened("b")}}
			},
			want: []pssGot{{audit.RuleRunAsRoot, "a", c0 + ".securityContext.runAsNonRoot"}},
			not:  []pssGot{{audit.RuleRunAsRoot, "b", c1 + ".securityContext.runAsNonRoot"}, {audit.RuleRunAsUserRoot, "a", c0 + ".securityContext.runAsUser"}},
		},
		{
			name: "capabilities: adding without dropping is two findings, adding alone one",
			spec: func() corev1.PodSpec {
				a, b := hardened("a"), hardened("b")
				a.SecurityContext.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"SYS_ADMIN"}}
				b.SecurityContext.Capabilities.Add = []corev1.Capability{"NET_RAW"}
				return corev1.PodSpec{Containers: []corev1.Container{a, b}}
			},
			want: []pssGot{
				{audit.RuleCapsNotDropped, "a", c0 + ".securityContext.capabilities.drop"}, {audit.RuleCapsAdded, "a", c0 + ".securityContext.capabilities.add"},
				{audit.RuleCapsAdded, "b", c1 + ".securityContext.capabilities.add"},
			},
			not: []pssGot{{audit.RuleCapsNotDropped, "b", c1 + ".securityContext.capabilities.drop"}},
		},
		{
			name: "volumes: a runtime socket is TG-PSS-010 only, a hostPath TG-PSS-009, nfs TG-PSS-014",
			spec: func() corev1.PodSpec {
				return corev1.PodSpec{Containers: []corev1.Container{hardened("a")}, Volumes: []corev1.Volume{
					{Name: "sock", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/run/docker.sock"}}},
					{Name: "cache", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/models"}}},
					{Name: "nfs", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{Server: "nfs", Path: "/x"}}},
					{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				}}
			},
			want: []pssGot{
				{audit.RuleRuntimeSocket, "", "spec.template.spec.volumes[0].hostPath"},
				{audit.RuleHostPath, "", "spec.template.spec.volumes[1].hostPath"},
				{audit.RuleVolumeTypes, "", "spec.template.spec.volumes[2]"},
			},
			not: []pssGot{
				{audit.RuleHostPath, "", "spec.template.spec.volumes[0].hostPath"},
				{audit.RuleVolumeTypes, "", "spec.template.spec.volumes[0]"}, {audit.RuleVolumeTypes, "", "spec.template.spec.volumes[1]"},
				{audit.RuleVolumeTypes, "", "spec.template.spec.volumes[3]"},
			},
		},
		{
			name: "host port and host namespaces point at their fields",
			spec: func() corev1.PodSpec {
				a := hardened("a")
				a.Ports = []corev1.ContainerPort{{ContainerPort: 80}, {ContainerPort: 8080, HostPort: 8080}}
				return corev1.PodSpec{HostPID: true, Containers: []corev1.Container{a}}
			},
			want: []pssGot{{audit.RuleHostPorts, "a", c0 + ".ports[1].hostPort"}, {audit.RuleHostNamespaces, "", "spec.template.spec.hostPID"}},
		},
		{
			name: "an init container is judged like the others",
			spec: func() corev1.PodSpec {
				i := hardened("init")
				i.SecurityContext.Privileged, i.SecurityContext.AllowPrivilegeEscalation = ptr.To(true), nil
				return corev1.PodSpec{InitContainers: []corev1.Container{i}, Containers: []corev1.Container{hardened("a")}}
			},
			want: []pssGot{
				{audit.RulePrivileged, "init", "spec.template.spec.initContainers[0].securityContext.privileged"},
				{audit.RuleEscalation, "init", "spec.template.spec.initContainers[0].securityContext.allowPrivilegeEscalation"},
			},
			not: []pssGot{{audit.RuleEscalation, "a", c0 + ".securityContext.allowPrivilegeEscalation"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec()
			before := spec.DeepCopy()
			got := auditSpec(t, policy.Default(), spec)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("want %v, got %v", w, got)
				}
			}
			for _, n := range tc.not {
				if slices.Contains(got, n) {
					t.Errorf("want no %v, got it", n)
				}
			}
			if !equalSpec(before, &spec) {
				t.Error("the audit changed its input")
			}
		})
	}
}

func equalSpec(a, b *corev1.PodSpec) bool { return a.String() == b.String() }

// TestPSSLevelVersionAndRelax: the policy's level, version and per-type
// relax decide which controls run.
func TestPSSLevelVersionAndRelax(t *testing.T) {
	root := func() corev1.PodSpec {
		c := corev1.Container{Name: "a", Image: "x", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr.To[int64](0), Privileged: ptr.To(true)}}
		return corev1.PodSpec{Containers: []corev1.Container{c}}
	}
	rules := func(got []pssGot) []string {
		var out []string
		for _, g := range got {
			if !slices.Contains(out, g.rule) {
				out = append(out, g.rule)
			}
		}
		slices.Sort(out)
		return out
	}
	cases := []struct {
		name          string
		ps            policy.PodSecurity
		want, without []string
	}{
		{"restricted latest", policy.PodSecurity{Level: "restricted", Version: "latest"},
			[]string{audit.RuleRunAsRoot, audit.RuleCapsNotDropped, audit.RuleRunAsUserRoot, audit.RulePrivileged}, nil},
		{"baseline has no runAsNonRoot, runAsUser or capability drop", policy.PodSecurity{Level: "baseline"},
			[]string{audit.RulePrivileged}, []string{audit.RuleRunAsRoot, audit.RuleCapsNotDropped, audit.RuleRunAsUserRoot, audit.RuleSeccomp}},
		{"v1.22 restricted: runAsUser=0 was allowed before 1.23", policy.PodSecurity{Level: "restricted", Version: "v1.22"},
			[]string{audit.RuleRunAsRoot, audit.RuleCapsNotDropped, audit.RulePrivileged}, []string{audit.RuleRunAsUserRoot}},
		{"v1.21 restricted: dropping ALL was not required before 1.22", policy.PodSecurity{Level: "restricted", Version: "v1.21"},
			[]string{audit.RuleRunAsRoot}, []string{audit.RuleCapsNotDropped, audit.RuleRunAsUserRoot}},
		{"relaxed to privileged for none: only tiergate's own checks", policy.PodSecurity{Level: "restricted", Relax: map[policy.WorkloadType]string{policy.None: "privileged"}},
			[]string{audit.RuleWritableRoot}, []string{audit.RulePrivileged, audit.RuleRunAsRoot}},
		{"relaxed to baseline for none", policy.PodSecurity{Level: "restricted", Relax: map[policy.WorkloadType]string{policy.None: "baseline"}},
			[]string{audit.RulePrivileged}, []string{audit.RuleRunAsRoot}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pol := policy.Default()
			pol.PodSecurity = tc.ps
			got := rules(auditSpec(t, pol, root()))
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("want %s, got %v", w, got)
				}
			}
			for _, n := range tc.without {
				if slices.Contains(got, n) {
					t.Errorf("want no %s, got %v", n, got)
				}
			}
		})
	}
}

// Pods without a controller that share a spec share its Pod Security
// verdict; one field of difference is judged on its own.
func TestPodSecuritySharedBySpecContent(t *testing.T) {
	plain := func(name string) audit.Workload { return pod("Pod", name, nil, ctr("vllm/vllm-openai:v0.9.2")) }
	priv := plain("c")
	priv.Templates[0].Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	renamed := plain("d")
	renamed.Templates[0].Spec.Containers[0].Name = "other"
	e, err := audit.NewEngine(policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	rep := e.Audit(&audit.Inventory{Workloads: []audit.Workload{plain("a"), plain("b"), priv, renamed}}, audit.Options{})
	rules := func(r audit.Result) string {
		var out []string
		for _, f := range r.Findings {
			out = append(out, f.Rule+" "+f.Container+" "+f.Path)
		}
		return strings.Join(out, "\n")
	}
	a, b, c, d := rules(rep.Workloads[0]), rules(rep.Workloads[1]), rules(rep.Workloads[2]), rules(rep.Workloads[3])
	if a != b || a == "" {
		t.Errorf("same spec, different findings:\n%s\n--\n%s", a, b)
	}
	if !strings.Contains(c, audit.RulePrivileged) || strings.Contains(a, audit.RulePrivileged) {
		t.Errorf("privileged pod judged like the plain one:\n%s", c)
	}
	if !strings.Contains(d, " other ") || strings.Contains(d, " main ") {
		t.Errorf("renamed container's findings name the other container:\n%s", d)
	}
}

// TestPodSecurityOfPodsPlacedApart: bare pods of one spec on different
// nodes, each with its own service account token volume name, share one
// verdict; pods whose host path volumes are named apart keep their own
// names. Audited together, every pod gets what it gets audited alone.
func TestPodSecurityOfPodsPlacedApart(t *testing.T) {
	sandbox := func(name, node, token, hostVol string) audit.Workload {
		w := pod("Pod", name, nil, ctr("ghcr.io/acme/code-interpreter:1.2"))
		spec := w.Templates[0].Spec
		spec.NodeName, spec.Hostname = node, name
		spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: token, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}, {Name: hostVol, MountPath: "/work"}}
		spec.Volumes = []corev1.Volume{
			{Name: token, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{}}},
			{Name: hostVol, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/srv/work"}}},
		}
		return w
	}
	ws := []audit.Workload{
		sandbox("sbx-1", "node-a", "kube-api-access-x7k2p", "scratch"),
		sandbox("sbx-2", "node-b", "kube-api-access-q9z8m", "scratch"),
		sandbox("sbx-3", "node-c", "kube-api-access-m4n5b", "workdir"),
	}
	findings := func(r audit.Result) string {
		var out []string
		for _, f := range r.Findings {
			if strings.HasPrefix(f.Rule, "TG-PSS-") {
				out = append(out, f.Rule+" "+f.Container+" "+f.Path+" "+f.Message)
			}
		}
		return strings.Join(out, "\n")
	}
	auditOf := func(ws ...audit.Workload) *audit.Report {
		e, err := audit.NewEngine(policy.Default())
		if err != nil {
			t.Fatal(err)
		}
		return e.Audit(&audit.Inventory{Workloads: ws}, audit.Options{})
	}
	together := auditOf(ws...)
	for i, w := range ws {
		alone := findings(auditOf(w).Workloads[0])
		if got := findings(together.Workloads[i]); got != alone {
			t.Errorf("%s audited with the others:\n%s\nalone:\n%s", w.Name, got, alone)
		}
		if !strings.Contains(alone, `"`+w.Templates[0].Spec.Volumes[1].Name+`"`) {
			t.Errorf("%s: no finding names its host path volume:\n%s", w.Name, alone)
		}
	}
}
