package kinds

import (
	"reflect"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// registry is every kind, in the order declared.
	registry []*Kind
	byName   = map[string]*Kind{}
	// byType indexes the kinds with a Go type by it.
	byType = map[reflect.Type]*Kind{}
	// byChild indexes the kinds that name what they create by the
	// created kind.
	byChild = map[string]*Kind{}
)

// register adds a kind to the registry; the entries in builtin.go and
// custom.go are its only callers. A kind declared twice is a programming
// error, caught when the package loads.
func register(k *Kind) *Kind {
	if _, dup := byName[k.Kind]; dup {
		panic("kinds: " + k.Kind + " declared twice")
	}
	if k.Version != "" {
		k.apiVersion = schema.GroupVersion{Group: k.Group, Version: k.Version}.String()
	}
	registry = append(registry, k)
	byName[k.Kind] = k
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

// Lookup finds a kind by name ("StatefulSet").
func Lookup(kind string) (*Kind, bool) {
	k, ok := byName[kind]
	return k, ok
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

// ShortNames maps every kind to how the view names it.
func ShortNames() map[string]string {
	out := make(map[string]string, len(registry))
	for _, k := range registry {
		out[k.Kind] = k.ShortName()
	}
	return out
}
