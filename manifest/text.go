package manifest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// utf8Text returns data as UTF-8: a file that starts with a UTF-16
// byte-order mark (PowerShell's "kubectl get -o yaml > file" writes
// UTF-16LE) is transcoded, so that its documents split and its lines
// count like any other. Anything else is returned as it is.
func utf8Text(data []byte) []byte {
	var order binary.ByteOrder
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		order = binary.LittleEndian
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		order = binary.BigEndian
	default:
		return data
	}
	units := make([]uint16, 0, len(data)/2)
	for i := 2; i+1 < len(data); i += 2 {
		units = append(units, order.Uint16(data[i:]))
	}
	return []byte(string(utf16.Decode(units)))
}

// nulByte reports the line of the first NUL byte, in YAML or JSON: never
// part of a manifest, and neither decoder names its line.
func nulByte(name string, data []byte) error {
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return nil
	}
	return fmt.Errorf("%s:%d: a control character (byte 0x00) where YAML and JSON allow none: the file is binary or corrupt (or UTF-16 without a byte-order mark)", name, lineAt(data, int64(i)))
}

// badChar finds the first character YAML does not allow in a stream
// (YAML 1.1 §5.1, as the decoder checks it): C0 controls other than tab,
// newline and carriage return, DEL, C1 controls other than NEL,
// surrogates, U+FFFE and U+FFFF, and bytes that are not UTF-8. It
// returns the offset and the character in words: the YAML decoder
// reports the document's start instead.
func badChar(data []byte) (int, string, bool) {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return i, fmt.Sprintf("a byte that is not UTF-8 (0x%02x)", data[i]), true
		case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		case r < 0x20 || r == 0x7F:
			return i, fmt.Sprintf("a control character (byte 0x%02x)", r), true
		case r >= 0x80 && r < 0xA0 || r >= 0xD800 && r <= 0xDFFF || r == 0xFFFE || r == 0xFFFF:
			return i, fmt.Sprintf("a control character (U+%04X)", r), true
		}
		i += size
	}
	return 0, "", false
}
