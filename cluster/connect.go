package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Clients are the API clients one session uses.
type Clients struct {
	Config    *rest.Config
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface
	// Server is the API server URL, for messages.
	Server string
	// version is the server's /version once read (serverVersion).
	versionMu sync.Mutex
	version   *apimachineryversion.Info
}

// DefaultConnectTimeout bounds the first contact with the server when the
// user set no --request-timeout, so that an unreachable server fails in
// seconds instead of after TCP's minutes of retries.
const DefaultConnectTimeout = 10 * time.Second

// NewClients builds clients from a rest.Config: protobuf for built-in
// types (several times smaller and faster to decode than JSON), JSON for
// the dynamic client, and QPS/burst for start-up: a one-shot audit begins
// with about a hundred requests (discovery, two access reviews per
// resource, the lists), and with a burst of 100 the pods' pages that
// followed on a server listed in pages came at the bucket's 50 a second,
// not the server's pace (docs/PERFORMANCE.md, session 27).
func NewClients(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 300
	}
	cfg.UserAgent = "tiergate"
	proto := rest.CopyConfig(cfg)
	proto.ContentType = "application/vnd.kubernetes.protobuf"
	proto.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	kube, err := kubernetes.NewForConfig(proto)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Clients{Config: cfg, Kube: kube, Dynamic: dyn, Discovery: disc, Server: cfg.Host}, nil
}

// Ping checks that the server answers, within timeout (or the config's
// own timeout when shorter), and words the failure for people.
func (c *Clients) Ping(ctx context.Context, timeout time.Duration) error {
	if c.Config.Timeout > 0 && c.Config.Timeout < timeout {
		timeout = c.Config.Timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	res := c.Discovery.RESTClient().Get().AbsPath("/version").Do(ctx)
	if err := res.Error(); err != nil {
		return Explain(c.Server, err)
	}
	body, _ := res.Raw()
	c.versionMu.Lock()
	_, _ = c.setVersion(body) // an unreadable version only keeps lists paginated
	c.versionMu.Unlock()
	return nil
}

// explained is an error already worded for people.
type explained struct{ msg string }

func (e *explained) Error() string { return e.msg }

// Explain turns a client error into one line a person can act on. It is
// idempotent: an explained error is returned as it is.
func Explain(server string, err error) error {
	var done *explained
	if errors.As(err, &done) {
		return done
	}
	return &explained{explain(server, err).Error()}
}

// RedactServer is a server URL fit to show and to write in a report: a
// password in its user part is redacted.
func RedactServer(server string) string {
	if u, err := url.Parse(server); err == nil && u.User != nil {
		return u.Redacted()
	}
	return server
}

func explain(server string, err error) error {
	server = RedactServer(server)
	var ne net.Error
	var ue *url.Error
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the server %s rejected the credentials (401 Unauthorized): check the kubeconfig user or token", server)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("the server %s refused access: %s", server, err.Error())
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return fmt.Errorf("the server %s did not answer in time: is the cluster reachable?", server)
	case errors.As(err, &ue):
		msg := ue.Err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "dial tcp") {
			msg = msg[i+2:]
		}
		return fmt.Errorf("cannot reach the server %s: %s", server, msg)
	}
	return fmt.Errorf("the server %s: %v", server, err)
}
