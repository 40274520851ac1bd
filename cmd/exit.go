package cmd

import (
	"errors"
	"fmt"
	"io"

	"github.com/tiergate/tiergate/internal/textutil"
)

// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 for usage,
// input and connection errors, 3 when the scope held nothing to audit
// (a CI gate must not pass on an empty namespace or a selector that
// matches nothing; --allow-empty makes it 0).
const (
	ExitOK       = 0
	ExitFindings = 1
	ExitUsage    = 2
	ExitEmpty    = 3
	// ExitInterrupted is a command stopped by ctrl+c or SIGTERM after it
	// had started changing things (tiergate bench), as shells number it.
	ExitInterrupted = 130
)

// ExitError carries the exit code an error should end the process with.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Report prints err as one line on w and returns the exit code for it.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitUsage
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
	}
	msg := textutil.OneLine(err.Error())
	if code == ExitFindings {
		fmt.Fprintln(w, msg)
	} else {
		fmt.Fprintln(w, "error: "+msg)
	}
	return code
}
