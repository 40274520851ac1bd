package cmd

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/client-go/rest"

	"github.com/tiergate/tiergate/metrics"
)

// MetricsOptions choose the sources of the pods' live figures: RSS,
// tokens per second and GPU use.
type MetricsOptions struct {
	Enabled           bool
	PrometheusURL     string
	PrometheusService string
	Interval          time.Duration
}

// AddFlags adds the metrics flags; enabled is --metrics's default (the
// interactive view reads figures unless told not to, audit only when
// asked).
func (o *MetricsOptions) AddFlags(f *pflag.FlagSet, enabled bool) {
	o.Enabled, o.Interval = enabled, 5*time.Second
	f.BoolVar(&o.Enabled, "metrics", enabled, "Read the pods' live RSS, tokens/s and GPU use (live clusters only)")
	f.StringVar(&o.PrometheusURL, "prometheus-url", "", "Prometheus to query for tokens/s and GPU use (http[s]://HOST:PORT[/PREFIX])")
	f.StringVar(&o.PrometheusService, "prometheus-service", "", "Prometheus reached through the API server's service proxy, as NAMESPACE/NAME:PORT (e.g. monitoring/prometheus-k8s:9090)")
	f.DurationVar(&o.Interval, "metrics-interval", o.Interval, "How often the view refreshes the figures; for audit, the time between the two scrapes a pod's rate is taken from")
}

// Validate checks the metrics flags; offline, only --metrics=false (the
// interactive view's default on files) is accepted.
func (o *MetricsOptions) Validate(offline bool, flags *pflag.FlagSet) error {
	changed := flags != nil && flags.Changed("metrics")
	asked := changed && o.Enabled || o.PrometheusURL != "" || o.PrometheusService != ""
	prometheus := o.PrometheusURL != "" || o.PrometheusService != ""
	switch {
	case offline && asked:
		return errors.New("--metrics, --prometheus-url and --prometheus-service need a live cluster, not -f")
	case prometheus && !o.Enabled:
		return errors.New("--prometheus-url and --prometheus-service go with --metrics")
	case o.PrometheusURL != "" && o.PrometheusService != "":
		return errors.New("give --prometheus-url or --prometheus-service, not both")
	case o.Enabled && o.Interval < time.Second:
		return fmt.Errorf("--metrics-interval %v: at least 1s", o.Interval)
	}
	if o.PrometheusURL != "" {
		u, err := url.Parse(o.PrometheusURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			shown := "the value" // it may hold a password: not echoed
			if err == nil {
				shown = fmt.Sprintf("%q", u.Redacted())
			}
			return fmt.Errorf("--prometheus-url %s: want http[s]://HOST:PORT", shown)
		}
	}
	return nil
}

// collector builds the collector over the cluster's proxies and
// metrics.k8s.io, and Prometheus when one is named.
func (o *MetricsOptions) collector(cfg *rest.Config) (*metrics.Collector, error) {
	kube, err := metrics.NewKube(cfg)
	if err != nil {
		return nil, err
	}
	src := metrics.Sources{Pods: kube, Nodes: kube, WorkingSet: kube}
	var (
		address string
		rt      http.RoundTripper
	)
	switch {
	case o.PrometheusURL != "":
		address = o.PrometheusURL
	case o.PrometheusService != "":
		if address, rt, err = metrics.ServiceProxyURL(cfg, o.PrometheusService); err != nil {
			return nil, err
		}
	}
	if address != "" {
		if src.Prometheus, err = metrics.NewPrometheus(address, rt); err != nil {
			return nil, err
		}
	}
	return metrics.NewCollector(src, metrics.Options{}), nil
}
