package observatory

import (
	"cmp"
	"fmt"
	"html"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/campagnon/campagnon/core/referential"
)

// The map's drawing area, in viewBox units: the communes on the left, the
// legend on the right.
const (
	mapWidth, mapHeight = 600, 400
	plotLeft, plotTop   = 10.0, 10.0
	plotRight           = 430.0
	plotBottom          = 390.0
	legendX             = 445.0
)

// mapColours shade the classes of unmet needs, from none to the most. Each
// has a contrast of at least 3:1 against the white background (WCAG
// 1.4.11; the test computes it); the discs also grow with the class, so
// that colour is not the only cue (WCAG 1.4.1).
var mapColours = [5]string{"#737373", "#cf5f00", "#a93a12", "#7d1d13", "#4a0b0b"}

// mapClass is one step of the shading: communes with lo to hi unmet needs.
type mapClass struct {
	lo, hi int
	step   int // index in mapColours
}

// label names the class in the legend.
func (c mapClass) label() string {
	if c.lo == c.hi {
		return needsFR(c.lo)
	}
	return fmt.Sprintf("%d à %d besoins", c.lo, c.hi)
}

// mapClasses splits 0..top into a class for zero and up to four classes of
// equal width (fewer when top is under 4).
func mapClasses(top int) []mapClass {
	out := []mapClass{{0, 0, 0}}
	lo := 1
	for k := 1; k <= 4 && top > 0; k++ {
		hi := (k*top + 3) / 4 // ceil(k·top/4)
		if hi < lo {
			continue
		}
		out = append(out, mapClass{lo, hi, k})
		lo = hi + 1
	}
	return out
}

// classOf returns the class of n unmet needs.
func classOf(classes []mapClass, n int) mapClass {
	for _, c := range classes {
		if n <= c.hi {
			return c
		}
	}
	return classes[len(classes)-1]
}

// needsFR says n unmet needs in French ("0 besoin", "1 besoin", "3 besoins").
func needsFR(n int) string {
	if n < 2 {
		return fmt.Sprintf("%d besoin", n)
	}
	return fmt.Sprintf("%d besoins", n)
}

// Map draws communes as an inline SVG: one disc per commune with a known
// centre, placed by an equirectangular projection (longitudes shrunk by
// the cosine of the mean latitude, so that the territory keeps its shape)
// fitted into a 600×400 viewBox, shaded by its number of unmet needs (0,
// then up to four classes of equal width up to the largest number) and
// titled "Commune : N besoins sans réponse"; a legend sits on the right.
// The SVG has role="img", a French <title> and a <desc> that summarises
// it (the total, the communes with the most unmet needs, the communes that
// could not be placed, and the referential's attribution, which the page
// must also show next to the map). It has no script, no style element and
// no external resource, so it passes a strict Content-Security-Policy; its
// size grows with the communes (under 10 KB for 88), at most MaxCommunes
// of which are drawn (the others are counted in the description). Names
// are escaped.
func Map(communes []*referential.Commune, unmet map[string]int) template.HTML {
	omitted := max(0, len(communes)-MaxCommunes)
	communes = communes[:len(communes)-omitted]
	var placed []*referential.Commune
	total, top := 0, 0
	for _, c := range communes {
		n := unmet[c.INSEE]
		total += n
		if c.HasCentre {
			placed = append(placed, c)
			top = max(top, n)
		}
	}
	classes := mapClasses(top)
	unplaced := len(communes) - len(placed)

	var b strings.Builder
	b.Grow(1024 + 100*len(placed))
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="observatoire-carte-titre observatoire-carte-desc" class="observatoire-carte">`+"\n", mapWidth, mapHeight)
	b.WriteString(`<title id="observatoire-carte-titre">Besoins sans réponse par commune</title>` + "\n")
	fmt.Fprintf(&b, `<desc id="observatoire-carte-desc">%s</desc>`+"\n", html.EscapeString(mapDesc(communes, unmet, unplaced, omitted, total)))
	drawCommunes(&b, placed, unmet, classes)
	drawLegend(&b, classes, unplaced)
	b.WriteString("</svg>\n")
	return template.HTML(b.String()) // every text written above is escaped
}

// Map draws the communes of r with the package's Map, their centres taken
// from the referential (a commune it does not know is not placed).
func (s *Service) Map(r *Report) template.HTML {
	cs := make([]*referential.Commune, 0, len(r.ByCommune))
	for _, row := range r.ByCommune {
		c, ok := (*referential.Commune)(nil), false
		if s.ref != nil {
			c, ok = s.ref.Commune(row.Key)
		}
		if !ok {
			c = &referential.Commune{INSEE: row.Key, Name: row.Label}
		}
		cs = append(cs, c)
	}
	return Map(cs, r.UnmetByCommune())
}

// mapDesc summarises the map in French for those who cannot see it.
func mapDesc(communes []*referential.Commune, unmet map[string]int, unplaced, omitted, total int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Carte des communes du territoire (%d) : chaque disque est placé au centre de sa commune ; plus il est grand et foncé, plus la commune a de besoins sans réponse. ", len(communes)+omitted)
	fmt.Fprintf(&b, "%s sans réponse au total", needsFR(total))
	worst := slices.Clone(communes)
	slices.SortFunc(worst, func(x, y *referential.Commune) int {
		return cmp.Or(cmp.Compare(unmet[y.INSEE], unmet[x.INSEE]), strings.Compare(x.INSEE, y.INSEE))
	})
	var names []string
	for _, c := range worst[:min(3, len(worst))] {
		if unmet[c.INSEE] > 0 {
			names = append(names, fmt.Sprintf("%s (%d)", c.Name, unmet[c.INSEE]))
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(&b, " ; les plus nombreux : %s", strings.Join(names, ", "))
	}
	b.WriteString(".")
	switch {
	case unplaced == 1:
		b.WriteString(" Une commune, dont le centre n'est pas connu, n'est pas placée.")
	case unplaced > 1:
		fmt.Fprintf(&b, " %d communes, dont le centre n'est pas connu, ne sont pas placées.", unplaced)
	}
	if omitted > 0 {
		fmt.Fprintf(&b, " %d autres communes, au-delà de %d, ne sont pas dessinées.", omitted, MaxCommunes)
	}
	if unplaced < len(communes) {
		fmt.Fprintf(&b, " Source : %s.", referential.Attribution)
	}
	return b.String()
}

// drawCommunes writes one disc per commune, grouped by class (the darkest
// drawn last, on top), each with its title.
func drawCommunes(b *strings.Builder, placed []*referential.Commune, unmet map[string]int, classes []mapClass) {
	if len(placed) == 0 {
		return
	}
	proj := fit(placed)
	base := math.Max(3, math.Min(12, math.Sqrt((plotRight-plotLeft)*(plotBottom-plotTop)/float64(len(placed)))/5))
	sorted := slices.Clone(placed)
	slices.SortFunc(sorted, func(x, y *referential.Commune) int {
		return cmp.Or(cmp.Compare(unmet[x.INSEE], unmet[y.INSEE]), strings.Compare(x.INSEE, y.INSEE))
	})
	b.WriteString(`<g stroke="#ffffff" stroke-width="1">` + "\n")
	step := -1
	for _, c := range sorted {
		n := unmet[c.INSEE]
		cl := classOf(classes, n)
		if cl.step != step {
			if step >= 0 {
				b.WriteString("</g>\n")
			}
			step = cl.step
			fmt.Fprintf(b, `<g fill="%s">`+"\n", mapColours[step])
		}
		x, y := proj(c)
		// Whole units: a unit is a 400th of the map's height, invisible.
		fmt.Fprintf(b, `<circle cx="%.0f" cy="%.0f" r="%s"><title>%s : %s sans réponse</title></circle>`+"\n",
			x, y, num(radius(base, step)), html.EscapeString(c.Name), needsFR(n))
	}
	b.WriteString("</g>\n</g>\n")
}

// radius grows with the class, from 0.7 to 1.3 times base.
func radius(base float64, step int) float64 { return base * (0.7 + 0.15*float64(step)) }

// fit returns the projection of the communes' centres into the drawing
// area, centred, leaving room for the largest disc.
func fit(cs []*referential.Commune) func(*referential.Commune) (x, y float64) {
	minLat, maxLat, minLon, maxLon := cs[0].Lat, cs[0].Lat, cs[0].Lon, cs[0].Lon
	for _, c := range cs[1:] {
		minLat, maxLat = math.Min(minLat, c.Lat), math.Max(maxLat, c.Lat)
		minLon, maxLon = math.Min(minLon, c.Lon), math.Max(maxLon, c.Lon)
	}
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	spanX, spanY := (maxLon-minLon)*k, maxLat-minLat
	pad := radius(12, 4) + 1
	w, h := plotRight-plotLeft-2*pad, plotBottom-plotTop-2*pad
	scale := 0.0
	switch {
	case spanX > 0 && spanY > 0:
		scale = math.Min(w/spanX, h/spanY)
	case spanX > 0:
		scale = w / spanX
	case spanY > 0:
		scale = h / spanY
	}
	ox := plotLeft + pad + (w-spanX*scale)/2
	oy := plotTop + pad + (h-spanY*scale)/2
	return func(c *referential.Commune) (float64, float64) {
		return ox + (c.Lon-minLon)*k*scale, oy + (maxLat-c.Lat)*scale
	}
}

// drawLegend writes the legend: one disc and label per class.
func drawLegend(b *strings.Builder, classes []mapClass, unplaced int) {
	b.WriteString(`<g font-size="13" fill="#1a1a1a">` + "\n")
	fmt.Fprintf(b, `<text x="%s" y="30" font-weight="bold">Besoins sans réponse</text>`+"\n", num(legendX))
	y := 56.0
	for _, c := range classes {
		fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="%s" fill="%s"/><text x="%s" y="%s">%s</text>`+"\n",
			num(legendX+10), num(y), num(radius(8, c.step)), mapColours[c.step], num(legendX+26), num(y+4), html.EscapeString(c.label()))
		y += 26
	}
	if unplaced > 0 {
		fmt.Fprintf(b, `<text x="%s" y="%s">%d sans centre connu</text>`+"\n", num(legendX), num(y+4), unplaced)
	}
	b.WriteString("</g>\n")
}

// num formats a coordinate with one decimal, without a trailing ".0".
func num(v float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0")
}
