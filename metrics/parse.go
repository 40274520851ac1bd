package metrics

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// MaxExposition bounds a scrape: an exporter that never stops writing
// must not take the machine's memory.
const MaxExposition = 16 << 20

// Families is a parsed exposition, by family name.
type Families map[string]*dto.MetricFamily

// maxOpenMetrics bounds an OpenMetrics body: expfmt's OpenMetrics
// decoder takes milliseconds a line (tiergate asks for text format; an
// exporter that insists on OpenMetrics is parsed only up to this size).
const maxOpenMetrics = 1 << 20

// ErrTooLarge says an exposition exceeded MaxExposition.
var ErrTooLarge = fmt.Errorf("exposition larger than %d MiB", MaxExposition>>20)

// Parse reads an exposition in Prometheus text format, or OpenMetrics
// when contentType says so (tiergate asks for text: expfmt's OpenMetrics
// decoder is correct but slow). Counters of an OpenMetrics body keep
// their _total names, as in text format.
func Parse(body []byte, contentType string) (Families, error) {
	if len(body) > MaxExposition {
		return nil, ErrTooLarge
	}
	format := expfmt.ResponseFormat(http.Header{"Content-Type": {contentType}})
	if format.FormatType() == expfmt.TypeOpenMetrics {
		if len(body) > maxOpenMetrics {
			return nil, fmt.Errorf("OpenMetrics exposition of %d KiB: tiergate parses at most %d KiB of it (text format has no limit but %d MiB)", len(body)>>10, maxOpenMetrics>>10, MaxExposition>>20)
		}
		return decode(body, format)
	}
	if len(body) > 0 && body[len(body)-1] != '\n' {
		body = append(body[:len(body):len(body)], '\n') // the text parser needs the final newline
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return fams, nil
}

func decode(body []byte, format expfmt.Format) (Families, error) {
	dec := expfmt.NewDecoder(bytes.NewReader(body), format)
	fams := Families{}
	for {
		var mf dto.MetricFamily
		err := dec.Decode(&mf)
		if errors.Is(err, io.EOF) {
			return fams, nil
		}
		if err != nil {
			return nil, err
		}
		if prev, ok := fams[mf.GetName()]; ok {
			prev.Metric = append(prev.Metric, mf.Metric...)
			continue
		}
		fams[mf.GetName()] = &mf
	}
}

// HasPrefix reports whether a family name starts with prefix.
func (f Families) HasPrefix(prefix string) bool {
	for name := range f {
		if len(name) >= len(prefix) && name[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}
