package cluster

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"github.com/tiergate/tiergate/audit"
	"github.com/tiergate/tiergate/kinds"
)

// streamLab is a cluster's lists with facts inside namespaces that the
// inventory draws across workloads: Deployments whose pods are listed and
// one scaled to zero, a Sandbox with its pod and one without, a
// LeaderWorkerSet whose pods carry its name label, and namespaces that a
// LIST returns out of name order ("team-a" and "team-a-b" before "team").
// Pods come in key order, as a LIST returns them.
func streamLab(t *testing.T) (*lists, []*cachedPod) {
	t.Helper()
	ctrl := func(kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, Controller: ptr.To(true)}}
	}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai:v0.9.0"}}}
	var deps, rss, customs []any
	var pods []*cachedPod
	for _, ns := range labNamespaces {
		for _, name := range []string{"vllm", "idle"} {
			deps = append(deps, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": name}},
				Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}, Spec: spec}}})
		}
		rss = append(rss, &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "vllm-5d9f", OwnerReferences: ctrl("Deployment", "vllm")},
			Spec: appsv1.ReplicaSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "vllm", "pod-template-hash": "5d9f"}}, Spec: spec}}})
		for _, name := range []string{"agent", "lonely"} {
			customs = append(customs, &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "agents.x-k8s.io/v1beta1", "kind": "Sandbox", "metadata": map[string]any{"namespace": ns, "name": name, "labels": map[string]any{"app": name}},
				"spec": map[string]any{"podTemplate": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "agent", "image": "ghcr.io/example/agent:1"}}}}},
			}})
		}
		customs = append(customs, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "leaderworkerset.x-k8s.io/v1", "kind": "LeaderWorkerSet", "metadata": map[string]any{"namespace": ns, "name": "lws"},
			"spec": map[string]any{"leaderWorkerTemplate": map[string]any{"size": int64(2), "workerTemplate": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "w", "image": "vllm/vllm-openai:v0.9.0"}}}}}},
		}})
		add := func(name string, labels map[string]string, owners []metav1.OwnerReference) {
			o, err := strip(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels, OwnerReferences: owners}, Spec: *spec.DeepCopy()})
			if err != nil {
				t.Fatal(err)
			}
			pods = append(pods, o.(*cachedPod))
		}
		for i := range 3 {
			add(fmt.Sprintf("vllm-5d9f-%d", i), map[string]string{"app": "vllm", "pod-template-hash": "5d9f"}, ctrl("ReplicaSet", "vllm-5d9f"))
		}
		add("agent", map[string]string{"app": "agent"}, []metav1.OwnerReference{{APIVersion: "agents.x-k8s.io/v1beta1", Kind: "Sandbox", Name: "agent", Controller: ptr.To(true)}})
		add("lws-0", map[string]string{kinds.LeaderWorkerSet.NameLabel: "lws"}, nil)
		add("bare", nil, nil)
	}
	slices.SortFunc(pods, func(a, b *cachedPod) int {
		return strings.Compare(a.Namespace+"/"+a.Name, b.Namespace+"/"+b.Name)
	})
	stripped := func(objs []any, f func(any) (any, error)) []any {
		for i := range objs {
			var err error
			if objs[i], err = f(objs[i]); err != nil {
				t.Fatal(err)
			}
		}
		return objs
	}
	var podObjs []any
	for _, p := range pods {
		podObjs = append(podObjs, p)
	}
	l := &lists{
		owners: []*listing{
			{r: watchOf(kinds.Deployment), objs: stripped(deps, strip)},
			{r: watchOf(kinds.ReplicaSet), objs: stripped(rss, strip)},
		},
		customs: []*listing{{r: watchOf(kinds.Sandbox), objs: stripped(customs, stripWorkload)}},
		pods:    &listing{r: resPods, objs: podObjs},
	}
	return l, pods
}

// labNamespaces are streamLab's namespaces.
var labNamespaces = []string{"a", "llm-01", "llm-02", "team", "team-a", "team-a-b", "zeta"}

type handedOver struct {
	namespace string
	ws        []audit.Workload
	podsFed   int
}

// TestNamespaceStreamEqualsInventory: handed over a namespace at a time,
// as the pods' list passes them, the workloads are the inventory's, in
// ascending namespace order, each namespace's in the inventory's order,
// scoped as the inventory scopes them (pods standing for their
// controllers, custom resources counting their pods, the selector's
// FilteredOut); and the first namespaces go before the last pod is
// listed. A list that starts over (its continue token expired) gives the
// same.
func TestNamespaceStreamEqualsInventory(t *testing.T) {
	for _, tc := range []struct {
		name      string
		selector  labels.Selector
		restartAt int // pods fed before the list starts over; 0: never
		// namespaces are listed (all of the lab's but the last when
		// unlisted is set: one made during the audit)
		namespaces, unlisted bool
	}{
		{"all", labels.Everything(), 0, false, false},
		{"namespaces listed", labels.Everything(), 0, true, false},
		{"a namespace made during the list", labels.Everything(), 0, true, true},
		{"namespaces listed, restart", labels.SelectorFromSet(labels.Set{"app": "vllm"}), 27, true, false},
		{"selector", labels.SelectorFromSet(labels.Set{"app": "vllm"}), 0, false, false},
		{"restart", labels.Everything(), 13, false, false},
		{"restart selector", labels.SelectorFromSet(labels.Set{"app": "agent"}), 20, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab := func() (*lists, []*cachedPod) {
				l, pods := streamLab(t)
				if tc.namespaces {
					l.nss = &listing{r: resNamespaces}
					for _, ns := range labNamespaces {
						if !tc.unlisted || ns != labNamespaces[len(labNamespaces)-1] {
							l.nss.objs = append(l.nss.objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
						}
					}
				}
				return l, pods
			}
			l, _ := lab()
			want := buildInventory(l, tc.selector)
			byNS := map[string][]audit.Workload{}
			for _, w := range want.Workloads {
				byNS[w.Namespace] = append(byNS[w.Namespace], w)
			}
			var wantNS []handedOver
			for ns, ws := range byNS {
				wantNS = append(wantNS, handedOver{namespace: ns, ws: ws})
			}
			slices.SortFunc(wantNS, func(a, b handedOver) int { return strings.Compare(a.namespace, b.namespace) })

			l, pods := lab() // fresh objects: the inventory's scoping set statuses
			b := newInventoryBuilder(l, tc.selector)
			fed := 0
			var got []handedOver
			s := newNamespaceStream(b, func(ns string, ws []audit.Workload) error {
				got = append(got, handedOver{namespace: ns, ws: slices.Clone(ws), podsFed: fed})
				return nil
			})
			feed := func(ps []*cachedPod) {
				for _, p := range ps {
					fed++
					if err := s.pod(p); err != nil {
						t.Fatal(err)
					}
				}
			}
			if tc.restartAt > 0 {
				feed(pods[:tc.restartAt])
				s.restart()
			}
			feed(pods)
			if err := s.flush(true); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(wantNS) {
				t.Fatalf("handed over %d namespaces, want %d", len(got), len(wantNS))
			}
			n := 0
			for i := range got {
				n += len(got[i].ws)
				if got[i].namespace != wantNS[i].namespace || !reflect.DeepEqual(got[i].ws, wantNS[i].ws) {
					t.Errorf("namespace %d: got %s %s, want %s %s", i, got[i].namespace, names(got[i].ws), wantNS[i].namespace, names(wantNS[i].ws))
				}
			}
			if n != s.count || b.inv.FilteredOut != want.FilteredOut {
				t.Errorf("count %d of %d, filtered out %d, want %d", s.count, n, b.inv.FilteredOut, want.FilteredOut)
			}
			// llm-01 goes as soon as llm-02's first pod is listed (after
			// the 6 pods of a and of llm-01) when the namespaces are known;
			// else it waits for a namespace "llm" that would list later.
			for _, h := range got {
				if h.namespace != "llm-01" || tc.restartAt > 0 {
					continue
				}
				if early := h.podsFed == 13; early != tc.namespaces {
					t.Errorf("llm-01 handed over after %d pods, namespaces listed %v", h.podsFed, tc.namespaces)
				}
			}
			if got[0].podsFed >= fed {
				t.Errorf("namespace %s waited for the whole list (%d pods fed)", got[0].namespace, got[0].podsFed)
			}
		})
	}
}

// TestNamespaceStreamOrder: a namespace waits for the names that sort
// before it but list after it, and a server that lists pods out of key
// order is an error, not a report in the wrong order.
func TestNamespaceStreamOrder(t *testing.T) {
	for _, tc := range []struct {
		ns, cursor string
		exists     []string // nil: the namespaces were not listed
		want       bool
	}{
		// Namespaces listed: only those that exist are waited for.
		{"llm-01", "llm-02", []string{"llm-01", "llm-02"}, true},
		{"team-a", "team-b", []string{"team", "team-a", "team-b"}, false},
		{"team-a-b", "team-b", []string{"team-a-b", "team-b"}, true},
		{"team-a-b", "team-a", []string{"team-a", "team-a-b"}, false},
		{"llm-01", "llm-01", []string{"llm-01"}, false},
		// Not listed: any name may exist.
		{"llm-01", "llm-02", nil, false}, // "llm" would list after llm-02
		{"a", "b", nil, true},
		{"a", "a", nil, false},
		{"b", "a", nil, false},
		{"team-a", "team", nil, false},   // team's pods come after team-a's and go first
		{"team-a", "team-b", nil, false}, // and after team-b's
		{"team-a", "team0", nil, true},   // "team/" < "team0/"
		{"team-a-b", "team-a", nil, false},
		{"team-a-b", "team-b", nil, false},
		{"team-a-b", "team0", nil, true},
		{"", "a", nil, true},
	} {
		var exists map[string]bool
		if tc.exists != nil {
			exists = map[string]bool{}
			for _, ns := range tc.exists {
				exists[ns] = true
			}
		}
		if got := passed(tc.ns, tc.cursor, exists); got != tc.want {
			t.Errorf("passed(%q, %q, %q) = %v, want %v", tc.ns, tc.cursor, tc.exists, got, tc.want)
		}
	}
	l, pods := streamLab(t)
	s := newNamespaceStream(newInventoryBuilder(l, labels.Everything()), func(string, []audit.Workload) error { return nil })
	last := pods[len(pods)-1] // zeta's
	if err := s.pod(last); err != nil {
		t.Fatal(err)
	}
	if err := s.pod(pods[0]); err == nil || !strings.Contains(err.Error(), "key order") {
		t.Errorf("a pod of namespace a after zeta's: %v", err)
	}
}

func names(ws []audit.Workload) string {
	var out []string
	for _, w := range ws {
		s := w.Kind + "/" + w.Name
		if w.Status != nil && w.Status.Pods > 0 {
			s += fmt.Sprintf("(%d pods)", w.Status.Pods)
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

// TestStreamPodsFail: pods that fail to list are an error. Failing on
// the first page, the audit never starts (the lists the failure stopped
// are no gaps to show); failing later, the namespaces the pages had
// passed were handed over, and the error still ends the stream.
func TestStreamPodsFail(t *testing.T) {
	pod := func(ns, name string) string {
		return fmt.Sprintf(`{"metadata":{"name":%q,"namespace":%q},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}`, name, ns)
	}
	for _, tc := range []struct {
		name      string
		failFirst bool
		wantSent  string
	}{
		{"first page", true, ""},
		{"second page", false, "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer SetPageSize(2)()
			startedCh := make(chan struct{})
			c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				fail := func() {
					w.WriteHeader(http.StatusInternalServerError)
					fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"etcd is on fire","reason":"InternalError","code":500}`)
				}
				switch {
				case r.URL.Path == "/api/v1/namespaces" && tc.failFirst:
					<-r.Context().Done() // answers only once the failed pods stopped the lists
				case r.URL.Path == "/api/v1/namespaces":
					fmt.Fprint(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}`)
				case r.URL.Path != "/api/v1/pods":
					http.NotFound(w, r)
				case tc.failFirst:
					fail()
				case r.URL.Query().Get("continue") != "":
					// The second page fails once the audit started: failing
					// before the other lists are done is the first case.
					select {
					case <-startedCh:
					case <-r.Context().Done():
					}
					fail()
				default:
					fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"t1"},"items":[%s,%s]}`, pod("a", "p"), pod("b", "p"))
				}
			})
			ls := &Lister{c: c, want: []readable{resPods, resNamespaces}, allowed: map[schema.GroupVersionResource]bool{resPods.gvr: true, resNamespaces.gvr: true}, isCustom: map[schema.GroupVersionResource]bool{}}
			started := false
			var sent []string
			_, _, err := ls.Stream(context.Background(), time.Minute, func(*audit.Inventory) error {
				started = true
				close(startedCh)
				return nil
			}, func(ns string, _ []audit.Workload) error {
				sent = append(sent, ns)
				return nil
			})
			if err == nil || !strings.Contains(err.Error(), "etcd is on fire") {
				t.Fatalf("error %v, want the pods' list's", err)
			}
			if started != !tc.failFirst || strings.Join(sent, ",") != tc.wantSent {
				t.Errorf("started %v, handed over %q; want started %v, %q", started, sent, !tc.failFirst, tc.wantSent)
			}
		})
	}
}

// slowNamespaces are TestStreamSlowReaderIsNoTimeout's, a page each.
var slowNamespaces = []string{"a", "b", "c", "d", "e", "f"}

// TestStreamSlowReaderIsNoTimeout: the timeout bounds the lists, not the
// reader of the report. A namespace's results that wait on a slow stdout
// (a pager, a slow pipe) hold the pods' list back, but that time is not
// the server's: the audit that lists within the timeout still finishes,
// as the whole-inventory audit does. A server that is slow is still a
// timeout.
func TestStreamSlowReaderIsNoTimeout(t *testing.T) {
	pod := func(ns string) string {
		return fmt.Sprintf(`{"metadata":{"name":"p","namespace":%q},"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}`, ns)
	}
	for _, tc := range []struct {
		name             string
		readerWait       time.Duration // each namespace's hand-over
		serverWait       time.Duration // the last page's answer
		wantErr          string
		wantHandedOverTo string
	}{
		{"slow reader", 150 * time.Millisecond, 0, "", "a,b,c,d,e,f"},
		{"slow server", 0, 3 * time.Second, "did not list within the timeout", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer SetPageSize(1)()
			c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				switch cont := r.URL.Query().Get("continue"); {
				case r.URL.Path == "/api/v1/namespaces":
					var items []string
					for _, ns := range slowNamespaces {
						items = append(items, fmt.Sprintf(`{"metadata":{"name":%q}}`, ns))
					}
					fmt.Fprintf(w, `{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":[%s]}`, strings.Join(items, ","))
				case r.URL.Path != "/api/v1/pods":
					http.NotFound(w, r)
				default:
					// One page per namespace; the continue token names the next.
					i := max(0, slices.Index(slowNamespaces, cont))
					next := ""
					if i+1 < len(slowNamespaces) {
						next = slowNamespaces[i+1]
					} else {
						select {
						case <-time.After(tc.serverWait):
						case <-r.Context().Done():
							return
						}
					}
					fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"continue":%q},"items":[%s]}`, next, pod(slowNamespaces[i]))
				}
			})
			ls := &Lister{c: c, want: []readable{resPods, resNamespaces}, allowed: map[schema.GroupVersionResource]bool{resPods.gvr: true, resNamespaces.gvr: true}, isCustom: map[schema.GroupVersionResource]bool{}}
			var sent []string
			_, _, err := ls.Stream(context.Background(), 300*time.Millisecond, func(*audit.Inventory) error { return nil }, func(ns string, _ []audit.Workload) error {
				time.Sleep(tc.readerWait)
				sent = append(sent, ns)
				return nil
			})
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("a reader slower than the timeout: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			case tc.wantErr == "" && strings.Join(sent, ",") != tc.wantHandedOverTo:
				t.Errorf("handed over %q, want %q", sent, tc.wantHandedOverTo)
			}
		})
	}
}

// TestStreamInterrupted: ctrl+c while the pods list says so, not that
// the server timed out.
func TestStreamInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := fakeServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/pods":
			cancel() // the person presses ctrl+c while the server answers
			<-r.Context().Done()
		case "/api/v1/namespaces":
			<-r.Context().Done() // stopped by the interrupt
		default:
			http.NotFound(w, r)
		}
	})
	ls := &Lister{c: c, want: []readable{resPods, resNamespaces}, allowed: map[schema.GroupVersionResource]bool{resPods.gvr: true, resNamespaces.gvr: true}, isCustom: map[schema.GroupVersionResource]bool{}}
	started := false
	_, _, err := ls.Stream(ctx, time.Minute, func(*audit.Inventory) error { started = true; return nil }, func(string, []audit.Workload) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "interrupted") || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("error %v, want one that says the list was interrupted", err)
	}
	if started {
		t.Error("the audit started after the interrupt: the lists it stopped would show as gaps")
	}
	if _, err := ls.Inventory(ctx); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Inventory: error %v, want one that says the list was interrupted", err)
	}
}
