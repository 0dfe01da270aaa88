package awareness

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/campagnon/campagnon/core/apperr"
)

// MaxQRText bounds what a QR code encodes: an address, not a document.
const MaxQRText = 500

// QRSVG returns the QR code of text (an address) as an inline SVG element:
// no script, no external resource, so it passes the pages' CSP and prints
// sharp at any size. The code has error correction level M (15 % of the
// symbol may be dirty or torn, as a flyer on a noticeboard gets) and the
// standard quiet zone of four modules; widthMM is its printed width. Dark
// modules are drawn as one path of horizontal runs, black on white whatever
// the page's colours, so that every phone reads it.
func QRSVG(text string, widthMM int) (template.HTML, error) {
	if text == "" || len(text) > MaxQRText {
		return "", apperr.New(apperr.KindInvalid, "qr_text",
			fmt.Sprintf("Le texte d'un code QR compte de 1 à %d octets.", MaxQRText),
			fmt.Sprintf("A QR code's text is 1 to %d bytes long.", MaxQRText))
	}
	if widthMM < 10 || widthMM > 200 {
		widthMM = 30
	}
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("awareness: QR code of %q: %w", text, err)
	}
	bits := q.Bitmap() // with its quiet zone
	n := len(bits)
	var b strings.Builder
	b.Grow(64 * n)
	size := strconv.Itoa(n)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" viewBox="0 0 %s %s" width="%dmm" height="%dmm" shape-rendering="crispEdges">`,
		size, size, widthMM, widthMM)
	b.WriteString(`<title>`)
	b.WriteString(template.HTMLEscapeString("QR code : " + text))
	b.WriteString(`</title><rect width="` + size + `" height="` + size + `" fill="#fff"/><path fill="#000" d="`)
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", start, y, x-start, x-start)
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil // every part is numbers or escaped text
}
