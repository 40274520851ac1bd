package kinds

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// registry is every kind, in the order declared.
	registry []*Kind
	// byGroupKind is the registry's key: two projects may name a kind
	// alike (agent-sandbox's and OpenKruise's Sandbox), never within one
	// group.
	byGroupKind = map[schema.GroupKind]*Kind{}
	// byName indexes the kinds by name alone; a name two groups declare
	// holds both, and Lookup finds neither.
	byName = map[string][]*Kind{}
	// byType indexes the kinds with a Go type by it.
	byType = map[reflect.Type]*Kind{}
	// byChild indexes the kinds that name what they create by the
	// created kind.
	byChild = map[string]*Kind{}
)

// register adds a kind to the registry; the entries in builtin.go and
// custom.go are its only callers. A group and kind declared twice is a
// programming error, caught when the package loads; a kind name two
// groups share is not.
func register(k *Kind) *Kind {
	gk := schema.GroupKind{Group: k.Group, Kind: k.Kind}
	if _, dup := byGroupKind[gk]; dup {
		panic("kinds: " + gk.String() + " declared twice")
	}
	if k.Version != "" {
		k.apiVersion = schema.GroupVersion{Group: k.Group, Version: k.Version}.String()
	}
	registry = append(registry, k)
	byGroupKind[gk] = k
	byName[k.Kind] = append(byName[k.Kind], k)
	if k.Typed != nil {
		byType[reflect.TypeOf(k.Typed.New())] = k
	}
	if k.ChildHashLabel != "" {
		byChild[k.Creates] = k
	}
	return k
}

// All is every kind, in the order declared (built-ins first).
func All() []*Kind { return append([]*Kind(nil), registry...) }

// Lookup finds a kind by name alone ("StatefulSet"), when one group only
// declares it: for the built-in names callers hold without a group. A
// name two groups share (Sandbox) is found by ForGroupKind or
// ForAPIVersion.
func Lookup(kind string) (*Kind, bool) {
	ks := byName[kind]
	if len(ks) != 1 {
		return nil, false
	}
	return ks[0], true
}

// Ambiguous says two groups declare a kind of this name: the name alone
// does not say which it is.
func Ambiguous(kind string) bool { return len(byName[kind]) > 1 }

// ForGroupKind finds a kind by its group and name.
func ForGroupKind(gk schema.GroupKind) (*Kind, bool) {
	k, ok := byGroupKind[gk]
	return k, ok
}

// ForAPIVersion finds the kind of an object, or of an owner reference,
// by the apiVersion and kind it carries ("agents.kruise.io/v1alpha1",
// "Sandbox"): any version of the group is the kind's. An empty
// apiVersion (a typed object, a workload built without one) falls back
// to the name alone.
func ForAPIVersion(apiVersion, kind string) (*Kind, bool) {
	if apiVersion == "" {
		return Lookup(kind)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, false
	}
	return ForGroupKind(gv.WithKind(kind).GroupKind())
}

// ForObject finds the kind of a typed object by its Go type (informers'
// objects carry no apiVersion and kind).
func ForObject(obj any) (*Kind, bool) {
	k, ok := byType[reflect.TypeOf(obj)]
	return k, ok
}

// HashNamer is the kind that creates objects of kind child and names
// them "<its name>-<hash>" (a Deployment, of ReplicaSets).
func HashNamer(child string) (*Kind, bool) {
	k, ok := byChild[child]
	return k, ok
}
