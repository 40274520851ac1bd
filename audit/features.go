package audit

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// named is a string with where it came from, for evidence ("container agent").
type named struct {
	what  string // "name", "container", "image", "owner", "label app"
	value string // lowercased
}

// word is one alphanumeric run of a named value ("adk", "agent" in
// "adk-agent"), pointing back at the name it came from.
type word struct {
	name int
	tok  string
}

// imageFacts is what the classifier derives from an image reference,
// cached because replicas repeat the same few images.
type imageFacts struct {
	lower, repo string
	infra       infraClass
}

// features is what the classifier reads from a workload, extracted once.
// One value is reused across workloads to keep allocation per pod low.
type features struct {
	kind, apiVersion     string
	ownerKind, ownerName string
	ownerAPIVersion      string
	// owners is the rest of the owner chain (a pod's ReplicaSet's
	// Deployment, a StatefulSet's LeaderWorkerSet).
	owners           []Owner
	images           []string // lowercased image references
	names            []named  // names whose words are signals
	cmds             []string // lowercased command and args elements
	envNames         []string
	labels           []kv // object and template labels
	ports            []int32
	hostAliases      []string // lowercased
	hostPaths        []string
	privileged       bool
	gpu              bool
	runsToCompletion bool
	extra            *Extra
	poolMatch        string // "namespace/name" of a selecting InferencePool
	// sandboxGrant names the RBAC that lets the pod create agent
	// sandboxes ("" when none does).
	sandboxGrant string
	// appContainers counts regular containers; infraContainers those that
	// run a known image that is no LLM workload: a monitoring, mesh or CI
	// agent, a GPU-operator component, a datastore or platform service
	// (infraImage is the first, infra its class).
	appContainers, infraContainers int
	infraImage                     string
	infra                          infraClass
	// hits and kept are the classifier's scratch buffers, reused across
	// workloads.
	hits, kept []hit
	// words splits names into words for the word signals; wordHit is
	// what wordDict.lookup found in them (once per workload).
	words       []word
	wordsLooked bool
	wordHit     [64]int
	// imageCache maps raw image references to their facts.
	imageCache map[string]imageFacts
	// memos are the table matchers' memos, one per slot
	// (signalBuilder.memoSlot).
	memos []memo
}

type kv struct{ k, v string }

func (f *features) reset() {
	*f = features{
		images:      f.images[:0],
		names:       f.names[:0],
		cmds:        f.cmds[:0],
		envNames:    f.envNames[:0],
		labels:      f.labels[:0],
		ports:       f.ports[:0],
		hostAliases: f.hostAliases[:0],
		hostPaths:   f.hostPaths[:0],
		hits:        f.hits[:0],
		kept:        f.kept[:0],
		words:       f.words[:0],
		imageCache:  f.imageCache,
		memos:       f.memos,
	}
}

// appLabels are labels whose values name the application, with how
// evidence names them.
var appLabels = [...]struct{ key, what string }{
	{"app", "label app"}, {"app.kubernetes.io/name", "label app.kubernetes.io/name"},
	{"app.kubernetes.io/component", "label app.kubernetes.io/component"}, {"component", "label component"}, {"k8s-app", "label k8s-app"},
}

// addName records a name and its words.
func (f *features) addName(what, value string) {
	i := len(f.names)
	f.names = append(f.names, named{what, value})
	start := -1
	for j := 0; j <= len(value); j++ {
		if j < len(value) && isAlnum(value[j]) {
			if start < 0 {
				start = j
			}
			continue
		}
		if start >= 0 {
			f.words = append(f.words, word{i, value[start:j]})
			start = -1
		}
	}
}

// image returns the cached facts of an image reference.
func (f *features) image(raw string) imageFacts {
	if fi, ok := f.imageCache[raw]; ok {
		return fi
	}
	if f.imageCache == nil || len(f.imageCache) >= maxCached {
		f.imageCache = make(map[string]imageFacts, 256)
	}
	lower := strings.ToLower(raw)
	fi := imageFacts{lower: lower, repo: imageRepo(lower), infra: infraKind(lower)}
	f.imageCache[raw] = fi
	return fi
}

func (f *features) extract(w *Workload) {
	f.reset()
	f.kind, f.apiVersion = w.Kind, w.APIVersion
	if w.Owner != nil {
		f.ownerKind, f.ownerName, f.ownerAPIVersion = w.Owner.Kind, w.Owner.Name, w.Owner.APIVersion
		f.addName("owner", strings.ToLower(w.Owner.Name))
	}
	if len(w.Owners) > 1 {
		f.owners = w.Owners[1:]
		for _, o := range f.owners {
			f.addName("owner", strings.ToLower(o.Name))
		}
	}
	// A controller's pod is named after its owner plus a random suffix:
	// the owner's name says it all, and replicas classify alike.
	if w.Kind != "Pod" || w.Owner == nil {
		f.addName("name", strings.ToLower(w.Name))
	}
	f.extra = &w.Extra
	f.addLabels(w.Labels)
	if runsToCompletion(w.APIVersion, w.Kind) || (w.Owner != nil && runsToCompletion(w.Owner.APIVersion, w.Owner.Kind)) {
		f.runsToCompletion = true
	}
	allFinite := len(w.Templates) > 0
	for i := range w.Templates {
		t := &w.Templates[i]
		if w.Kind != "Pod" { // a pod's template labels are its own labels
			f.addLabels(t.Labels)
		}
		if t.Spec == nil {
			continue
		}
		s := t.Spec
		if s.RestartPolicy != corev1.RestartPolicyNever && s.RestartPolicy != corev1.RestartPolicyOnFailure {
			allFinite = false
		}
		for _, h := range s.HostAliases {
			for _, hn := range h.Hostnames {
				f.hostAliases = append(f.hostAliases, strings.ToLower(hn))
			}
		}
		for _, v := range s.Volumes {
			if v.HostPath != nil {
				f.hostPaths = append(f.hostPaths, v.HostPath.Path)
			}
		}
		for j := range s.InitContainers {
			f.addContainer(&s.InitContainers[j], false)
		}
		for j := range s.Containers {
			f.addContainer(&s.Containers[j], true)
		}
	}
	if allFinite {
		f.runsToCompletion = true
	}
}

func (f *features) addLabels(m map[string]string) {
	for k, v := range m {
		f.labels = append(f.labels, kv{k, v})
	}
	for _, al := range appLabels {
		if v, ok := m[al.key]; ok {
			f.addName(al.what, strings.ToLower(v))
		}
	}
}

func (f *features) addContainer(c *corev1.Container, app bool) {
	fi := f.image(c.Image)
	img := fi.lower
	if app {
		f.appContainers++
	}
	// The names of infrastructure containers say nothing about the
	// workload: "agent" in datadog/agent is not an LLM agent.
	if fi.infra != infraNone {
		if app {
			f.infraContainers++
			if f.infraImage == "" {
				f.infraImage, f.infra = img, fi.infra
			}
		}
		f.images = append(f.images, img)
		return
	}
	f.addName("container", strings.ToLower(c.Name))
	if img != "" {
		f.images = append(f.images, img)
		f.addName("image", fi.repo)
	}
	for _, s := range c.Command {
		f.cmds = append(f.cmds, strings.ToLower(s))
	}
	for _, s := range c.Args {
		f.cmds = append(f.cmds, strings.ToLower(s))
	}
	for i := range c.Env {
		f.envNames = append(f.envNames, c.Env[i].Name)
	}
	for _, p := range c.Ports {
		f.ports = append(f.ports, p.ContainerPort)
	}
	// A privileged init container (sysctls, iptables) runs no agent's code.
	if app && c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged {
		f.privileged = true
	}
	if len(containerGPUs(c)) > 0 {
		f.gpu = true
	}
}

// imageRepo strips the registry host and the tag or digest from an image
// reference: "ghcr.io/org/app:1.0" → "org/app".
func imageRepo(img string) string {
	if i := strings.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	if i := strings.LastIndexByte(img, ':'); i >= 0 && !strings.Contains(img[i:], "/") {
		img = img[:i]
	}
	if i := strings.IndexByte(img, '/'); i >= 0 {
		host := img[:i]
		if strings.ContainsAny(host, ".:") || host == "localhost" {
			img = img[i+1:]
		}
	}
	return img
}

// hasWord reports whether word occurs in s bounded by non-alphanumerics,
// so that "agent" matches "adk-agent" but not "reagent".
func hasWord(s, word string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(word)
		if (start == 0 || !isAlnum(s[start-1])) && (end == len(s) || !isAlnum(s[end])) {
			return true
		}
		i = start + 1
	}
}

// hasWordPrefix reports whether a word of s starts with prefix, so that
// "qwen" matches "Qwen3-235B" but "llama" does not match "ollama".
func hasWordPrefix(s, prefix string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], prefix)
		if j < 0 {
			return false
		}
		if start := i + j; start == 0 || !isAlnum(s[start-1]) {
			return true
		}
		i += j + 1
	}
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z'
}

type infraClass int

const (
	infraNone infraClass = iota
	infraAgent
	infraGPU
	infraService
)

// note says what an image of the class is.
func (c infraClass) note() string {
	switch c {
	case infraAgent:
		return "infrastructure agent, not an LLM workload"
	case infraGPU:
		return "GPU infrastructure, not an LLM workload"
	case infraService:
		return "a datastore or platform service, not an LLM workload"
	}
	return ""
}

// infraKind says whether an image is a known infrastructure agent, GPU
// operator component, datastore or platform service. It reads the
// repository's last path element for services ("bitnami/postgresql",
// "library/redis"), so that a word deeper in a path decides nothing.
func infraKind(img string) infraClass {
	if img == "" {
		return infraNone
	}
	for _, n := range gpuOperatorImages {
		if strings.Contains(img, n) {
			return infraGPU
		}
	}
	for _, n := range infraAgentImages {
		if strings.Contains(img, n) {
			return infraAgent
		}
	}
	repo := imageRepo(img)
	base := repo[strings.LastIndexByte(repo, '/')+1:]
	for _, n := range serviceImages {
		if strings.HasPrefix(base, n) {
			return infraService
		}
	}
	return infraNone
}
