package cluster

import (
	"errors"
	"fmt"
	"io"
)

// cutBody is a list's response body whose read errors say that the
// body was cut (bodyCut): every way the transport has of saying it (an
// HTTP/1.1 body that ends early, an HTTP/2 stream the server resets, a
// connection that closes) reads as the same error.
type cutBody struct{ r io.Reader }

func (b cutBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		err = &bodyCut{err}
	}
	return n, err
}

// bodyCut is an error reading a list's body, wrapped.
type bodyCut struct{ err error }

func (e *bodyCut) Error() string { return e.err.Error() }
func (e *bodyCut) Unwrap() error { return e.err }

// listCut words an error that ended a list's body early: the body was
// cut, or it ended inside an item.
func listCut(err error) error {
	var cut *bodyCut
	if errors.As(err, &cut) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the list ended before its last item: %w", err)
	}
	return err
}
