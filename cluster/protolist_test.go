package cluster

import (
	"bufio"
	"bytes"
	"fmt"
	"reflect"
	goruntime "runtime"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/protobuf"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// protobufPods is a PodList as the API server writes it: through
// apimachinery's protobuf serializer, streaming or not.
func protobufPods(t testing.TB, streaming bool, pods ...corev1.Pod) []byte {
	t.Helper()
	list := &corev1.PodList{ListMeta: metav1.ListMeta{ResourceVersion: "42"}, Items: pods}
	s := protobuf.NewSerializerWithOptions(scheme.Scheme, scheme.Scheme, protobuf.SerializerOptions{StreamingCollectionsEncoding: streaming})
	var b bytes.Buffer
	if err := s.Encode(list, &b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testPods(n int) []corev1.Pod {
	var pods []corev1.Pod
	for i := range n {
		pods = append(pods, corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: fmt.Sprintf("team-%d", i/2), Name: fmt.Sprintf("p-%d", i), Labels: map[string]string{"app": "vllm"}},
			Spec:       corev1.PodSpec{NodeName: "n", Containers: []corev1.Container{{Name: "vllm", Image: "vllm/vllm-openai:v0.9.2", Args: []string{"--model", strings.Repeat("m", i*40)}}}},
		})
	}
	return pods
}

// readPods reads a body with readProtobufList.
func readPods(body []byte) ([]corev1.Pod, error) {
	var got []corev1.Pod
	err := readProtobufList(bufio.NewReaderSize(bytes.NewReader(body), 16), func() runtime.Object { return &corev1.Pod{} }, func(o runtime.Object) error {
		got = append(got, *o.(*corev1.Pod))
		return nil
	})
	return got, err
}

// TestReadProtobufList: the items of a list the serializer wrote (whole
// or streamed, as the API server streams a LIST) decode one at a time to
// what decoding the whole list gives, through a reader smaller than an
// item; an empty list has none.
func TestReadProtobufList(t *testing.T) {
	for _, streaming := range []bool{false, true} {
		for _, n := range []int{0, 1, 7} {
			want := testPods(n)
			got, err := readPods(protobufPods(t, streaming, want...))
			if err != nil {
				t.Fatalf("streaming %v, %d pods: %v", streaming, n, err)
			}
			if len(got) != n || (n > 0 && !reflect.DeepEqual(got, want)) {
				t.Errorf("streaming %v: read %d pods, want %d the same as written", streaming, len(got), n)
			}
		}
	}
}

// TestReadProtobufListBroken: a body cut anywhere in its list, one that
// is not protobuf, one whose list is encoded, and an item longer than
// any object are errors, never a short list or a panic. (A body cut
// after its list, in the envelope's two empty trailing fields, has lost
// nothing: its list is whole.)
func TestReadProtobufListBroken(t *testing.T) {
	body := protobufPods(t, true, testPods(3)...)
	const trailer = 4 // contentEncoding and contentType, empty
	for cut := range len(body) {
		got, err := readPods(body[:cut])
		if err == nil && (cut < len(body)-trailer || len(got) != 3) {
			t.Fatalf("a body cut at %d of %d read as %d pods, no error", cut, len(body), len(got))
		}
	}
	if !bytes.HasSuffix(body, []byte{0x1a, 0, 0x22, 0}) {
		t.Fatalf("the envelope does not end in two empty fields: % x", body[len(body)-trailer:])
	}
	unknown := func(u runtime.Unknown) []byte {
		b, err := u.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return append(append([]byte(nil), protobufMagic...), b...)
	}
	huge := append([]byte{0x12}, protowireVarint(maxProtobufItem+1)...)
	for name, tc := range map[string]struct {
		body []byte
		want string
	}{
		"json":           {[]byte(`{"kind":"PodList","apiVersion":"v1","items":[]}`), "not a protobuf object"},
		"encoded list":   {unknown(runtime.Unknown{Raw: []byte{}, ContentEncoding: "gzip"}), `content encoding "gzip"`},
		"no list":        {protobufMagic, "holds 0 lists"},
		"huge item":      {unknown(runtime.Unknown{Raw: huge}), "bytes"},
		"overrun length": {unknown(runtime.Unknown{Raw: []byte{0x12, 0x05, 0x0a}}), "EOF"},
	} {
		if _, err := readPods(tc.body); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one with %q", name, err, tc.want)
		}
	}
}

// protowireVarint encodes v as a protobuf varint.
func protowireVarint(v uint64) []byte {
	var b []byte
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// TestReadProtobufListEveryBuiltInType: readProtobufList takes a list's
// items from its field 2 and skips the rest; a list type whose items sit
// elsewhere would read as empty, no error. Every list type of the group
// versions read with the typed clients (restFor), written by the
// serializer with two named items, reads back as those two items.
func TestReadProtobufListEveryBuiltInType(t *testing.T) {
	c, err := NewClients(&rest.Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	s := protobuf.NewSerializerWithOptions(scheme.Scheme, scheme.Scheme, protobuf.SerializerOptions{StreamingCollectionsEncoding: true})
	checked := 0
	for gvk := range scheme.Scheme.AllKnownTypes() {
		base, isList := strings.CutSuffix(gvk.Kind, "List")
		if !isList || restFor(c, gvk.GroupVersion()) == nil {
			continue
		}
		newItem := func() runtime.Object { o, _ := scheme.Scheme.New(gvk.GroupVersion().WithKind(base)); return o }
		if newItem() == nil {
			continue // a list of no kind of its own (a DeleteOptionsList would be)
		}
		list, _ := scheme.Scheme.New(gvk)
		if _, err := meta.ListAccessor(list); err != nil || !meta.IsListType(list) {
			continue // not a resource's list (APIGroupList)
		}
		var items []runtime.Object
		for _, name := range []string{"one", "two"} {
			o := newItem()
			if m, err := meta.Accessor(o); err == nil {
				m.SetName(name)
			}
			items = append(items, o)
		}
		if err := meta.SetList(list, items); err != nil {
			t.Fatalf("%s: %v", gvk, err)
		}
		var b bytes.Buffer
		if err := s.Encode(list, &b); err != nil {
			t.Fatalf("%s: %v", gvk, err)
		}
		var got []string
		err := readProtobufList(bufio.NewReader(&b), newItem, func(o runtime.Object) error {
			m, err := meta.Accessor(o)
			if err != nil {
				return err
			}
			got = append(got, m.GetName())
			return nil
		})
		if err != nil || strings.Join(got, ",") != "one,two" {
			t.Errorf("%s: read %q (%v), want one,two", gvk, got, err)
		}
		checked++
	}
	t.Logf("%d list types", checked)
	if checked < 20 {
		t.Errorf("only %d list types checked", checked)
	}
}

// FuzzReadProtobufList: no body, however broken, panics the reader or
// has it allocate far more than it was sent (a length that claims an
// item of 64 MiB in a body of a few bytes); decoding a pod allocates a
// few hundred times its bytes at most (go test -fuzz ReadProtobufList
// ./cluster).
func FuzzReadProtobufList(f *testing.F) {
	for _, streaming := range []bool{false, true} {
		body := protobufPods(f, streaming, testPods(3)...)
		f.Add(body)
		f.Add(body[:len(body)/2])
	}
	f.Add(append(append([]byte(nil), protobufMagic...), 0x12, 0x04, 0x12, 0x02, 0x0a, 0x00))
	f.Add(append(append([]byte(nil), protobufMagic...), append([]byte{0x12, 0x08, 0x12}, protowireVarint(maxProtobufItem)...)...))
	f.Fuzz(func(t *testing.T, body []byte) {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		_, _ = readPods(body)
		goruntime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1024*uint64(len(body))+1<<20 {
			t.Errorf("%d bytes of body allocated %d bytes", len(body), grew)
		}
	})
}
