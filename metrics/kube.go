package metrics

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// acceptText asks exporters for Prometheus text, which expfmt parses
// fast; OpenMetrics still parses when an exporter insists.
const acceptText = "text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1"

// listPage is the page size of metrics.k8s.io lists.
const listPage = 500

// Kube reads figures through the API server: pod and node proxies and
// metrics.k8s.io. It satisfies PodScraper, NodeReader and
// WorkingSetReader.
type Kube struct {
	Client  kubernetes.Interface
	Metrics metricsclient.Interface
}

// NewKube builds the clients from a rest config.
func NewKube(cfg *rest.Config) (*Kube, error) {
	proxied := rest.CopyConfig(cfg)
	proxied.Wrap(func(rt http.RoundTripper) http.RoundTripper { return limitBodies{rt} })
	kc, err := kubernetes.NewForConfig(proxied)
	if err != nil {
		return nil, err
	}
	mc, err := metricsclient.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Kube{Client: kc, Metrics: mc}, nil
}

// get runs a GET and returns the body and its content type. Do().Error()
// keeps the server's message (DoRaw would turn a 403 into "unknown").
func get(ctx context.Context, req *rest.Request) ([]byte, string, error) {
	var ct string
	res := req.SetHeader("Accept", acceptText).Do(ctx).ContentType(&ct)
	if err := res.Error(); err != nil {
		return nil, "", err
	}
	body, err := res.Raw()
	return body, ct, err
}

// Scrape GETs /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH.
func (k *Kube) Scrape(ctx context.Context, pod PodKey, port Port) ([]byte, string, error) {
	path := strings.TrimPrefix(port.Path, "/")
	if path == "" {
		path = "metrics"
	}
	req := k.Client.CoreV1().RESTClient().Get().Namespace(pod.Namespace).Resource("pods").
		Name(pod.Name + ":" + strconv.Itoa(int(port.Number))).SubResource("proxy").Suffix(path)
	return get(ctx, req)
}

// Summary GETs the node's kubelet Summary API.
func (k *Kube) Summary(ctx context.Context, node string) ([]byte, error) {
	body, _, err := get(ctx, k.Client.CoreV1().RESTClient().Get().Resource("nodes").Name(node).SubResource("proxy").Suffix("stats", "summary"))
	return body, err
}

// CAdvisor GETs the node's kubelet cAdvisor metrics.
func (k *Kube) CAdvisor(ctx context.Context, node string) ([]byte, string, error) {
	return get(ctx, k.Client.CoreV1().RESTClient().Get().Resource("nodes").Name(node).SubResource("proxy").Suffix("metrics", "cadvisor"))
}

// WorkingSet lists metrics.k8s.io pod metrics of a namespace: the sum of
// each pod's containers' memory, which is their working set, not RSS.
func (k *Kube) WorkingSet(ctx context.Context, namespace string) (map[PodKey]float64, error) {
	out := map[PodKey]float64{}
	opts := metav1.ListOptions{Limit: listPage}
	for {
		list, err := k.Metrics.MetricsV1beta1().PodMetricses(namespace).List(ctx, opts)
		if err != nil {
			return nil, err
		}
		for _, pm := range list.Items {
			total := 0.0
			for _, c := range pm.Containers {
				total += float64(c.Usage.Memory().Value())
			}
			out[PodKey{pm.Namespace, pm.Name}] = total
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			return out, nil
		}
	}
}

// ServiceProxyURL is the URL of a service port through the API server's
// service proxy ("monitoring/prometheus-k8s:9090" → .../services/
// http:prometheus-k8s:9090/proxy/), with the transport that carries the
// kubeconfig's credentials.
func ServiceProxyURL(cfg *rest.Config, service string) (string, http.RoundTripper, error) {
	ns, rest0, ok := strings.Cut(service, "/")
	name, port, okp := strings.Cut(rest0, ":")
	if !ok || !okp || ns == "" || name == "" || port == "" {
		return "", nil, fmt.Errorf("--prometheus-service %q: want NAMESPACE/NAME:PORT", service)
	}
	host := cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	u, err := url.JoinPath(host, "api/v1/namespaces", ns, "services", "http:"+name+":"+port, "proxy/")
	if err != nil {
		return "", nil, err
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return "", nil, err
	}
	return u, rt, nil
}
