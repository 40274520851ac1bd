// Package version holds build facts stamped in with -ldflags -X, e.g.
//
//	-X github.com/tiergate/tiergate/internal/version.Version=v0.1.0
package version

// Set by the linker; the defaults describe a development build.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Info is the build facts as one value.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
}

// Get returns the build facts.
func Get() Info { return Info{Version: Version, Commit: Commit, Date: Date} }
