package cluster

import (
	"context"
	"encoding/json"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
	apimachineryversion "k8s.io/apimachinery/pkg/version"
)

// wholeListsSince is the first Kubernetes release whose API server
// answers a LIST without a limit from its watch cache in key order: its
// cache is a B-tree from 1.33 on (BtreeWatchCache, locked on), and it
// serves consistent reads since 1.31 (ConsistentListFromCache). A
// namespace-at-a-time audit needs the key order (pods of one namespace
// together); an older server is listed in pages, which etcd and the
// cache both return in key order.
var wholeListsSince = version.MajorMinor(1, 33)

// wholeLists reports whether one-shot lists of built-in resources may be
// read whole (pageFetch.wholeList) rather than in pages: the server's
// version (Ping's, else asked now) is 1.33 or later. A version that
// cannot be read or parsed says no.
func (c *Clients) wholeLists(ctx context.Context) bool {
	info, err := c.serverVersion(ctx)
	if err != nil {
		return false
	}
	v, err := behaves(info)
	return err == nil && v.AtLeast(wholeListsSince)
}

// behaves is the release whose behaviour a server has: its emulation
// version when it says one (a 1.37 server emulating 1.32 has 1.32's
// feature gates), else its major and minor ("28+" on some managed
// clusters). Not gitVersion: a server built without version stamps says
// v0.0.0.
func behaves(info *apimachineryversion.Info) (*version.Version, error) {
	major, minor := info.Major, info.Minor
	if info.EmulationMajor != "" {
		major, minor = info.EmulationMajor, info.EmulationMinor
	}
	return version.ParseGeneric(strings.TrimSuffix(major, "+") + "." + strings.TrimSuffix(minor, "+"))
}

// serverVersion is the server's /version, asked once per Clients.
func (c *Clients) serverVersion(ctx context.Context) (*apimachineryversion.Info, error) {
	c.versionMu.Lock()
	defer c.versionMu.Unlock()
	if c.version != nil {
		return c.version, nil
	}
	body, err := c.Discovery.RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	return c.setVersion(body)
}

// setVersion keeps the body of a /version answer; the caller holds
// versionMu.
func (c *Clients) setVersion(body []byte) (*apimachineryversion.Info, error) {
	var info apimachineryversion.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, err
	}
	c.version = &info
	return c.version, nil
}
