package awareness

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestQRSVG: the SVG draws exactly the dark modules of the encoder's
// bitmap (quiet zone included), with nothing a strict CSP refuses, and
// escapes the text it names.
func TestQRSVG(t *testing.T) {
	const url = "https://campagnon.example/t/picardie-verte"
	h, err := QRSVG(url, 38)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(h)
	for _, bad := range []string{"<script", "style=", "href", "<image", "javascript:"} {
		if strings.Contains(svg, bad) {
			t.Errorf("the SVG holds %q", bad)
		}
	}
	if !strings.Contains(svg, `width="38mm"`) || !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, "<title>QR code : "+url+"</title>") {
		t.Errorf("SVG head: %.300s", svg)
	}
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	want := q.Bitmap()
	n := len(want)
	if !strings.Contains(svg, `viewBox="0 0 `+strconv.Itoa(n)+" "+strconv.Itoa(n)+`"`) {
		t.Fatalf("viewBox is not %d modules", n)
	}
	got := make([][]bool, n)
	for i := range got {
		got[i] = make([]bool, n)
	}
	run := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)
	d := svg[strings.Index(svg, ` d="`)+4:]
	d = d[:strings.IndexByte(d, '"')]
	if rest := run.ReplaceAllString(d, ""); rest != "" {
		t.Fatalf("the path holds more than runs: %q", rest)
	}
	for _, m := range run.FindAllStringSubmatch(d, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := x; i < x+w; i++ {
			if got[y][i] {
				t.Fatalf("module %d,%d drawn twice", i, y)
			}
			got[y][i] = true
		}
	}
	for y := range n {
		for x := range n {
			if got[y][x] != want[y][x] {
				t.Fatalf("module %d,%d: drawn %v, bitmap %v", x, y, got[y][x], want[y][x])
			}
		}
	}
	for x := range 4 {
		if want[x][x] || want[n-1-x][n-1-x] {
			t.Fatal("the bitmap has no quiet zone")
		}
	}

	h, err = QRSVG(`https://x.example/?a=<b>&c="d"`, 0)
	if err != nil || strings.Contains(string(h), "<b>") || !strings.Contains(string(h), `width="30mm"`) {
		t.Errorf("escaping or default width: %v %.200s", err, h)
	}
	if _, err := QRSVG("", 30); err == nil {
		t.Error("an empty text was encoded")
	}
	if _, err := QRSVG(strings.Repeat("a", MaxQRText+1), 30); err == nil {
		t.Error("a text over MaxQRText was encoded")
	}
}
