package report

import (
	"io"
	"sync"

	"github.com/tiergate/tiergate/audit"
)

// pipeBatch is how many results go to the encoder at a time: enough to
// make the hand-over cheap, few enough to hold next to nothing.
const pipeBatch = 128

// JSONPipe is a JSONStream that encodes on a goroutine of its own while
// the caller audits the next results: on a machine with two cores the
// audit and its JSON (about as much CPU each for 10,000 pods) overlap.
// The bytes are JSONStream's. Results are copied as they arrive (an
// audit.Result holds nothing the engine writes afterwards: Engine.Audit
// keeps them all), a batch at a time.
type JSONPipe struct {
	js    *JSONStream
	batch []audit.Result
	work  chan []audit.Result
	free  chan []audit.Result
	done  chan struct{}

	mu  sync.Mutex
	err error // the first write error, guarded by mu
}

// NewJSONPipe starts the document and the encoder.
func NewJSONPipe(w io.Writer, opts Options) *JSONPipe {
	p := &JSONPipe{
		js:   NewJSONStream(w, opts),
		work: make(chan []audit.Result, 2),
		free: make(chan []audit.Result, 3),
		done: make(chan struct{}),
	}
	p.batch = make([]audit.Result, 0, pipeBatch)
	go p.encode()
	return p
}

func (p *JSONPipe) encode() {
	defer close(p.done)
	for batch := range p.work {
		for i := range batch {
			if err := p.js.Workload(&batch[i]); err != nil {
				p.mu.Lock()
				p.err = err
				p.mu.Unlock()
				break // keep draining: the sender stops on the error
			}
		}
		clear(batch) // let go of the results' memory
		select {
		case p.free <- batch[:0]:
		default:
		}
	}
}

// Workload queues a copy of one result; it returns the first write
// error, once the encoder has met one.
func (p *JSONPipe) Workload(r *audit.Result) error {
	p.mu.Lock()
	err := p.err
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.batch = append(p.batch, *r)
	if len(p.batch) == pipeBatch {
		p.send()
	}
	return nil
}

func (p *JSONPipe) send() {
	p.work <- p.batch
	select {
	case p.batch = <-p.free:
	default:
		p.batch = make([]audit.Result, 0, pipeBatch)
	}
}

// Close encodes what is queued, then writes the nodes, the summary and
// what was not visible, and flushes.
func (p *JSONPipe) Close(rep *audit.Report) error { return p.close(rep, nil) }

// CloseEmpty is Close for a document whose scope was known to be empty
// only once its results were written (a live audit that writes each
// namespace as it is listed): why ("" when it was not) is its "empty"
// field, as Options.Empty would have made it.
func (p *JSONPipe) CloseEmpty(rep *audit.Report, why string) error { return p.close(rep, &why) }

func (p *JSONPipe) close(rep *audit.Report, empty *string) error {
	if len(p.batch) > 0 {
		p.send()
	}
	close(p.work)
	<-p.done
	p.mu.Lock()
	err := p.err
	p.mu.Unlock()
	if err != nil {
		return err
	}
	if empty != nil {
		p.js.opts.Empty = *empty // the encoder is done with opts
	}
	return p.js.Close(rep)
}

// Discard stops the encoder without finishing the document (the audit
// failed): what is queued is dropped.
func (p *JSONPipe) Discard() {
	close(p.work)
	<-p.done
}
