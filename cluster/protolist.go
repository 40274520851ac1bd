package cluster

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"k8s.io/apimachinery/pkg/runtime"
)

// protobufMagic starts every object apimachinery's protobuf serializer
// writes, a runtime.Unknown after it (the serializer keeps its copy
// unexported; TestReadProtobufList reads what the serializer writes).
var protobufMagic = []byte{0x6b, 0x38, 0x73, 0x00}

// maxProtobufItem bounds one item's length: a length past it is a
// broken body, not an object to allocate for.
const maxProtobufItem = 64 << 20

// protoUnmarshaler is what the generated protobuf code gives every
// built-in type.
type protoUnmarshaler interface{ Unmarshal([]byte) error }

// readProtobufList reads a LIST response in apimachinery's protobuf
// encoding as it arrives and hands each item to each, decoded alone:
// the magic number, then a runtime.Unknown whose raw field (2) is the
// list, whose items (field 2 of every list type) are decoded with
// newItem's generated code. The list is never whole in memory; the
// server streams its encoding the same way. Each item's bytes are read
// into one reused buffer (the generated code copies what it keeps).
func readProtobufList(r *bufio.Reader, newItem func() runtime.Object, each func(runtime.Object) error) error {
	s := &protoStream{r: r}
	magic := make([]byte, len(protobufMagic))
	if err := s.read(magic); err != nil {
		return err
	}
	if string(magic) != string(protobufMagic) {
		return errors.New("not a protobuf object")
	}
	lists := 0
	for {
		num, typ, err := s.tag()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if num != 2 || typ != protowire.BytesType {
			b, err := s.field(typ)
			if err != nil {
				return err
			}
			if num == 3 && len(b) > 0 {
				return fmt.Errorf("list in content encoding %q", b)
			}
			continue
		}
		size, err := s.uvarint()
		if err != nil {
			return err
		}
		if err := s.list(s.n+int64(size), newItem, each); err != nil {
			return err
		}
		lists++
	}
	if lists != 1 {
		return fmt.Errorf("protobuf body holds %d lists", lists)
	}
	return nil
}

// list reads a list's fields up to byte end of the body.
func (s *protoStream) list(end int64, newItem func() runtime.Object, each func(runtime.Object) error) error {
	for s.n < end {
		num, typ, err := s.tag()
		if err != nil {
			return noEOF(err)
		}
		b, err := s.field(typ)
		if err != nil {
			return err
		}
		if num != 2 || typ != protowire.BytesType {
			continue // the list's metadata: a whole list has no continue token
		}
		o := newItem()
		u, ok := o.(protoUnmarshaler)
		if !ok {
			return fmt.Errorf("%T has no protobuf decoding", o)
		}
		if err := u.Unmarshal(b); err != nil {
			return err
		}
		if err := each(o); err != nil {
			return err
		}
	}
	if s.n != end {
		return errors.New("protobuf list overruns its length")
	}
	return nil
}

// protoStream reads protobuf fields from a body as it arrives, counting
// the bytes read.
type protoStream struct {
	r   *bufio.Reader
	n   int64
	buf []byte
}

func (s *protoStream) ReadByte() (byte, error) {
	b, err := s.r.ReadByte()
	if err == nil {
		s.n++
	}
	return b, err
}

func (s *protoStream) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(s)
	return v, noEOF(err)
}

// tag reads a field's tag; io.EOF only at the end of the body.
func (s *protoStream) tag() (protowire.Number, protowire.Type, error) {
	v, err := binary.ReadUvarint(s)
	if err != nil {
		return 0, 0, err
	}
	num, typ := protowire.DecodeTag(v)
	if num < protowire.MinValidNumber {
		return 0, 0, errors.New("broken protobuf tag")
	}
	return num, typ, nil
}

// field reads a field's value after its tag: a length-delimited value's
// bytes (valid until the next call), nil for the others.
func (s *protoStream) field(typ protowire.Type) ([]byte, error) {
	switch typ {
	case protowire.VarintType:
		_, err := s.uvarint()
		return nil, err
	case protowire.Fixed32Type, protowire.Fixed64Type:
		n := 4
		if typ == protowire.Fixed64Type {
			n = 8
		}
		return nil, s.read(make([]byte, n))
	case protowire.BytesType:
		l, err := s.uvarint()
		if err != nil {
			return nil, err
		}
		if l > maxProtobufItem {
			return nil, fmt.Errorf("protobuf field of %d bytes", l)
		}
		return s.bytes(int(l))
	}
	return nil, fmt.Errorf("protobuf wire type %d", typ)
}

// bytes reads n bytes into the reused buffer (valid until the next
// call). The buffer grows by at most protobufChunk beyond what has
// arrived: a broken length (a few bytes that claim an item of 64 MiB)
// costs no more than the bytes that came.
func (s *protoStream) bytes(n int) ([]byte, error) {
	b := s.buf[:0]
	for len(b) < n {
		k := min(n-len(b), max(cap(b)-len(b), protobufChunk))
		b = slices.Grow(b, k)[:len(b)+k]
		s.buf = b
		if err := s.read(b[len(b)-k:]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// protobufChunk is how much more than has arrived an item's buffer may
// grow by: most objects are smaller.
const protobufChunk = 256 << 10

// read fills b from the stream, counting what it reads.
func (s *protoStream) read(b []byte) error {
	n, err := io.ReadFull(s.r, b)
	s.n += int64(n)
	return noEOF(err)
}

// noEOF turns an end of body inside a value into the error it is.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
