//go:build integration

package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/internal/testaudit"
)

// TestHTMLInChromium opens the example's -o html in headless Chromium
// (the Debian package): its script filters the findings as a link asks
// (the count shown is the one the report gives), and a screenshot of the
// page is drawn, not blank.
func TestHTMLInChromium(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("TIERGATE_INTEGRATION") != "" {
			t.Fatalf("chromium is not installed (apt-get install chromium): %v", err)
		}
		t.Skip("chromium is not installed")
	}
	_, rep := testaudit.Files(t, "../examples/llm-platform.yaml")
	var b bytes.Buffer
	if err := Render(&b, rep, "html", Options{Now: reportTime}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + filepath.Join(dir, "profile")}, args...)
		out, err := exec.CommandContext(ctx, browser, args...).Output()
		if err != nil {
			t.Fatalf("chromium %v: %v", args, err)
		}
		return out
	}

	want := 0
	for _, r := range rep.Workloads {
		for _, f := range r.Findings {
			if f.Rule == "TG-ISO-001" && f.Severity.Rank() >= 3 {
				want++
			}
		}
	}
	dom := run("--dump-dom", "file://"+page+"?filter=TG-ISO-001&severity=3")
	m := regexp.MustCompile(`<span id="shown">(\d+)</span>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("no count in the page Chromium drew:\n%.2000s", dom)
	}
	if got, _ := strconv.Atoi(string(m[1])); got != want || want == 0 {
		t.Errorf("the page shows %d findings for TG-ISO-001 at high or above, the report has %d", got, want)
	}
	if !strings.Contains(string(dom), `style="display: none;"`) {
		t.Error("the filter hid no row")
	}

	shot := filepath.Join(dir, "report.png")
	run("--screenshot="+shot, "--window-size=1280,1600", "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	colors := map[uint32]bool{}
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 7 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 7 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colors[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if bounds.Dx() != 1280 || len(colors) < 20 {
		t.Errorf("the screenshot is %dx%d with %d colours: not a drawn report", bounds.Dx(), bounds.Dy(), len(colors))
	}
}
