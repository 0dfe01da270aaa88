package observatory

import (
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/campagnon/campagnon/core/referential"
)

// node is an element of a parsed SVG.
type node struct {
	name   string
	attr   map[string]string
	text   string
	kids   []*node
	parent *node
}

// parseSVG parses s with encoding/xml, failing the test when it is not
// well-formed.
func parseSVG(t *testing.T, s string) *node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var root, cur *node
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if cur == nil {
				root = n
			} else {
				cur.kids = append(cur.kids, n)
			}
			cur = n
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				cur.text += string(tok)
			}
		}
	}
	if root == nil {
		t.Fatal("empty SVG")
	}
	return root
}

// all returns the elements named name under n, in document order.
func (n *node) all(name string) []*node {
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
		out = append(out, k.all(name)...)
	}
	return out
}

// child returns n's first child named name.
func (n *node) child(name string) *node {
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

func (n *node) float(t *testing.T, attr string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[attr], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, attr, n.attr[attr], err)
	}
	return v
}

// contrast returns the WCAG contrast ratio of the colour "#rrggbb"
// against white.
func contrast(t *testing.T, hex string) float64 {
	t.Helper()
	var rgb [3]float64
	for i := range rgb {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil || len(hex) != 7 {
			t.Fatalf("colour %q", hex)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			rgb[i] = c / 12.92
		} else {
			rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	l := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	return 1.05 / (l + 0.05)
}

// communeDisc is one commune as drawn.
type communeDisc struct {
	title, fill string
	x, y, r     float64
}

// discs returns the communes' discs: the circles with a title.
func discs(t *testing.T, root *node) []communeDisc {
	t.Helper()
	var out []communeDisc
	for _, c := range root.all("circle") {
		title := c.child("title")
		if title == nil {
			continue // a legend disc
		}
		out = append(out, communeDisc{title: title.text, fill: c.parent.attr["fill"],
			x: c.float(t, "cx"), y: c.float(t, "cy"), r: c.float(t, "r")})
	}
	return out
}

func TestMap(t *testing.T) {
	t.Parallel()
	communes := []*referential.Commune{
		{INSEE: "00001", Name: "Aucun", Lat: 47.70, Lon: 1.80, HasCentre: true},
		{INSEE: "00002", Name: "Un", Lat: 47.72, Lon: 1.90, HasCentre: true},
		{INSEE: "00003", Name: "Trois", Lat: 47.78, Lon: 1.88, HasCentre: true},
		{INSEE: "00004", Name: "Saint-<Évêque> & \"l'Abbaye\"", Lat: 47.75, Lon: 2.00, HasCentre: true},
		{INSEE: "00005", Name: "Huit", Lat: 47.70, Lon: 2.13, HasCentre: true},
		{INSEE: "00006", Name: "Sans-Centre", Lat: 0, Lon: 0},
	}
	unmet := map[string]int{"00002": 1, "00003": 3, "00004": 5, "00005": 8, "00006": 2, "99999": 40}
	out := string(Map(communes, unmet))
	root := parseSVG(t, out)

	if root.name != "svg" || root.attr["role"] != "img" || root.attr["viewBox"] != "0 0 600 400" {
		t.Errorf("root <%s role=%q viewBox=%q>", root.name, root.attr["role"], root.attr["viewBox"])
	}
	title, desc := root.child("title"), root.child("desc")
	if title == nil || desc == nil || title.text != "Besoins sans réponse par commune" || root.kids[0] != title {
		t.Fatalf("title %+v, desc %+v: want the title first, then a description", title, desc)
	}
	for _, want := range []string{"19 besoins sans réponse au total", "Huit (8), Saint-<Évêque> & \"l'Abbaye\" (5), Trois (3)",
		"Une commune, dont le centre n'est pas connu, n'est pas placée.", referential.Attribution} {
		if !strings.Contains(desc.text, want) {
			t.Errorf("description %q lacks %q", desc.text, want)
		}
	}
	if root.attr["aria-labelledby"] != title.attr["id"]+" "+desc.attr["id"] {
		t.Errorf("aria-labelledby %q does not name the title and description", root.attr["aria-labelledby"])
	}
	for _, banned := range []string{"<script", "href", "style", "<image", "url(", "<foreignObject"} {
		if strings.Contains(out, banned) {
			t.Errorf("the SVG contains %q", banned)
		}
	}

	ds := discs(t, root)
	var titles []string
	fills := map[string]float64{} // fill → radius
	for _, d := range ds {
		titles = append(titles, d.title)
		if d.x-d.r < 0 || d.x+d.r > plotRight+1 || d.y-d.r < 0 || d.y+d.r > mapHeight {
			t.Errorf("%s drawn at (%v, %v) r %v, outside the map", d.title, d.x, d.y, d.r)
		}
		if r, ok := fills[d.fill]; ok && r != d.r {
			t.Errorf("fill %s drawn with radii %v and %v", d.fill, r, d.r)
		}
		fills[d.fill] = d.r
	}
	slices.Sort(titles)
	want := []string{"Aucun : 0 besoin sans réponse", "Huit : 8 besoins sans réponse", "Saint-<Évêque> & \"l'Abbaye\" : 5 besoins sans réponse",
		"Trois : 3 besoins sans réponse", "Un : 1 besoin sans réponse"}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("one disc per commune with a centre; titles:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
	// 0, 1–2, 3–4, 5–6, 7–8: five steps, each its colour and size.
	if len(fills) != 5 {
		t.Errorf("%d shading steps %v, want 5", len(fills), fills)
	}
	prev := 0.0
	for step, colour := range mapColours {
		if c := contrast(t, colour); c < 3 {
			t.Errorf("step %d colour %s has a contrast of %.2f:1 against white, under 3:1", step, colour, c)
		}
		r, ok := fills[colour]
		if !ok || r <= prev {
			t.Errorf("step %d (%s) radius %v, want present and larger than the step before (%v)", step, colour, r, prev)
		}
		prev = r
	}
	if legend := strings.Count(out, "<circle ") - len(ds); legend != 5 {
		t.Errorf("%d legend entries, want 5", legend)
	}
	for _, label := range []string{">0 besoin<", ">1 à 2 besoins<", ">7 à 8 besoins<", ">1 sans centre connu<"} {
		if !strings.Contains(out, label) {
			t.Errorf("legend lacks %s", label)
		}
	}
}

// TestMapProjection: the map keeps the territory's shape: a degree of
// longitude is cos(latitude) times a degree of latitude, north is up.
func TestMapProjection(t *testing.T) {
	t.Parallel()
	cs := []*referential.Commune{
		{INSEE: "1", Name: "SO", Lat: 45, Lon: 1, HasCentre: true},
		{INSEE: "2", Name: "SE", Lat: 45, Lon: 2, HasCentre: true},
		{INSEE: "3", Name: "NO", Lat: 46, Lon: 1, HasCentre: true},
	}
	ds := discs(t, parseSVG(t, string(Map(cs, nil))))
	pos := map[string]communeDisc{}
	for _, d := range ds {
		pos[strings.Fields(d.title)[0]] = d
	}
	dx, dy := pos["SE"].x-pos["SO"].x, pos["SO"].y-pos["NO"].y
	if dx <= 0 || dy <= 0 {
		t.Fatalf("east is not right or north is not up: %+v", pos)
	}
	if want := math.Cos(45.5 * math.Pi / 180); math.Abs(dx/dy-want) > 0.01 {
		t.Errorf("aspect %.3f, want cos(45.5°) = %.3f", dx/dy, want)
	}
	if math.Abs(pos["SO"].y-pos["SE"].y) > 0.05 || math.Abs(pos["SO"].x-pos["NO"].x) > 0.05 {
		t.Errorf("a parallel or a meridian is not straight: %+v", pos)
	}
}

// TestMapEdges: no commune, one commune, no centre at all: still a
// well-formed, titled map.
func TestMapEdges(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		communes []*referential.Commune
		discs    int
	}{
		{"none", nil, 0},
		{"one", []*referential.Commune{{INSEE: "1", Name: "Seule", Lat: 47, Lon: 2, HasCentre: true}}, 1},
		{"same centre twice", []*referential.Commune{{INSEE: "1", Name: "A", Lat: 47, Lon: 2, HasCentre: true}, {INSEE: "2", Name: "B", Lat: 47, Lon: 2, HasCentre: true}}, 2},
		{"no centre", []*referential.Commune{{INSEE: "1", Name: "A"}, {INSEE: "2", Name: "B"}}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root := parseSVG(t, string(Map(tt.communes, map[string]int{"1": 1})))
			if root.child("title") == nil || root.child("desc") == nil {
				t.Error("no title or description")
			}
			ds := discs(t, root)
			if len(ds) != tt.discs {
				t.Errorf("%d discs, want %d", len(ds), tt.discs)
			}
			for _, d := range ds {
				if math.IsNaN(d.x) || math.IsNaN(d.y) || d.x < 0 || d.x > mapWidth || d.y < 0 || d.y > mapHeight {
					t.Errorf("disc at (%v, %v)", d.x, d.y)
				}
			}
		})
	}
}

// TestMapSize: a real territory of 88 communes makes a map of a few KB.
func TestMapSize(t *testing.T) {
	t.Parallel()
	ref := loadRef(t)
	var members []string
	for _, e := range ref.EPCIs() {
		if len(e.Members) >= 88 {
			members = e.Members[:88]
			break
		}
	}
	if members == nil {
		t.Fatal("no EPCI of 88 communes in the referential")
	}
	var cs []*referential.Commune
	unmet := map[string]int{}
	for i, code := range members {
		c, _ := ref.Commune(code)
		cs = append(cs, c)
		unmet[code] = i * 7 % 23
	}
	out := string(Map(cs, unmet))
	root := parseSVG(t, out)
	placed := 0
	for _, c := range cs {
		if c.HasCentre {
			placed++
		}
	}
	if n := len(discs(t, root)); n != placed {
		t.Errorf("%d discs for %d communes with a centre", n, placed)
	}
	if len(out) > 10_000 {
		t.Errorf("the map of 88 communes takes %d bytes, want under 10 KB", len(out))
	}
	t.Logf("88 communes: %d bytes", len(out))
}

func TestMapClasses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		top  int
		want string
	}{
		{0, "0"}, {1, "0 1"}, {2, "0 1 2"}, {3, "0 1 2 3"}, {4, "0 1 2 3 4"},
		{8, "0 1-2 3-4 5-6 7-8"}, {10, "0 1-3 4-5 6-8 9-10"}, {101, "0 1-26 27-51 52-76 77-101"},
	} {
		var got []string
		for _, c := range mapClasses(tt.top) {
			if c.lo == c.hi {
				got = append(got, strconv.Itoa(c.lo))
			} else {
				got = append(got, fmt.Sprintf("%d-%d", c.lo, c.hi))
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("mapClasses(%d) = %v, want %s", tt.top, got, tt.want)
		}
	}
}
