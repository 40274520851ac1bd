package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// openList opens a whole list's body. client-go asks a GET again when
// its connection was reset or closed before the answer (a load
// balancer's hiccup, an API server restarting), after a second, up to
// ten times; it does so for Do, not for Stream: openList does it here.
func openList(ctx context.Context, req *rest.Request) (io.ReadCloser, error) {
	for attempt := 1; ; attempt++ {
		body, err := req.Stream(ctx)
		if err == nil || attempt > listRetries || !connectionLost(err) {
			return body, err
		}
		select {
		case <-time.After(listRetryWait):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// listRetries and listRetryWait are client-go's for a GET (rest.Request's
// maxRetries, and the Retry-After it gives a lost connection).
var (
	listRetries   = 10
	listRetryWait = time.Second
)

// connectionLost reports whether err is a connection that went before
// the answer came, as client-go's Do tells them.
func connectionLost(err error) bool {
	return utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) || utilnet.IsHTTP2ConnectionLost(err)
}

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
