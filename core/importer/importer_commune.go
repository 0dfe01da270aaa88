package importer

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/territory"
)

// communes matches what a form says of a commune with the territory's
// communes, through the national referential's name keys: case, accents,
// hyphens, apostrophes, "St" for "Saint" and a missing leading article do
// not matter ("Ferté St Aubin" is La Ferté-Saint-Aubin). A typo gets the
// closest commune of the territory as a suggestion. Answers repeat, so
// each is resolved once.
type communes struct {
	ref      *referential.Referential
	name     string // the territory's
	list     []territory.Commune
	byINSEE  map[string]*territory.Commune
	byKey    map[string][]*territory.Commune
	byPostal map[string][]*territory.Commune
	cache    map[[2]string]placeResult
}

// placeResult is a resolved answer: the INSEE code, or the issue; note is
// a remark that needs no correction.
type placeResult struct {
	insee string
	issue *issue
	note  *issue
}

func newCommunes(ref *referential.Referential, d *territory.Detail) *communes {
	c := &communes{ref: ref, name: d.Name, list: d.Communes, byINSEE: map[string]*territory.Commune{},
		byKey: map[string][]*territory.Commune{}, byPostal: map[string][]*territory.Commune{}, cache: map[[2]string]placeResult{}}
	for i := range d.Communes {
		cm := &d.Communes[i]
		c.byINSEE[cm.INSEE] = cm
		k := key(cm.Name)
		c.byKey[k] = append(c.byKey[k], cm)
		if s := stripArticle(k); s != k {
			c.byKey[s] = append(c.byKey[s], cm)
		}
		for _, cp := range cm.PostalCodes {
			c.byPostal[cp] = append(c.byPostal[cp], cm)
		}
	}
	return c
}

// stripArticle removes a leading French article from a name key.
func stripArticle(k string) string {
	for _, a := range []string{"le ", "la ", "les ", "l "} {
		if rest, ok := strings.CutPrefix(k, a); ok && rest != "" {
			return rest
		}
	}
	return k
}

var postalIn = regexp.MustCompile(`\b(\d{5})\b`)

// resolve finds the commune of a row from its commune cell (a name, an
// INSEE code, a postal code, or a name with its postal code) and its
// postal-code cell, either possibly empty.
func (c *communes) resolve(name, postal string) placeResult {
	k := [2]string{name, postal}
	if r, ok := c.cache[k]; ok {
		return r
	}
	r := c.find(strings.TrimSpace(name), strings.TrimSpace(postal))
	if len(c.cache) < 100_000 {
		c.cache[k] = r
	}
	return r
}

func (c *communes) find(name, postal string) placeResult {
	if cm, ok := c.byINSEE[strings.ToUpper(name)]; ok {
		return placeResult{insee: cm.INSEE}
	}
	// "Ardon 45160", "45160 Ardon", "Ardon (45)": the postal code goes to
	// its own cell.
	if m := postalIn.FindStringSubmatchIndex(name); m != nil {
		code := name[m[2]:m[3]]
		rest := strings.TrimSpace(strings.Trim(name[:m[0]]+" "+name[m[1]:], " ()-,"))
		if postal == "" || postal == code {
			postal, name = code, rest
		}
	}
	if name == "" {
		if postal == "" {
			return placeResult{issue: &issue{"commune manquante", "commune missing", ""}}
		}
		return c.byPostalCode(postal)
	}
	k := key(name)
	found := c.byKey[k]
	if len(found) == 0 {
		found = c.byKey[stripArticle(k)]
	}
	if postal != "" && len(found) > 1 {
		found = slices.DeleteFunc(slices.Clone(found), func(cm *territory.Commune) bool { return !slices.Contains(cm.PostalCodes, postal) })
	}
	switch len(found) {
	case 1:
		r := placeResult{insee: found[0].INSEE}
		if postal != "" && !slices.Contains(found[0].PostalCodes, postal) {
			r.note = &issue{fmt.Sprintf("le code postal %s n'est pas celui de %s (%s) : la commune est retenue", postal, found[0].Name, strings.Join(found[0].PostalCodes, ", ")),
				fmt.Sprintf("postal code %s is not %s's (%s): the commune is kept", postal, found[0].Name, strings.Join(found[0].PostalCodes, ", ")), ""}
		}
		return r
	case 0:
	default:
		names := make([]string, len(found))
		for i, cm := range found {
			names[i] = fmt.Sprintf("%s (%s)", cm.Name, cm.INSEE)
		}
		return placeResult{issue: &issue{"plusieurs communes du territoire portent ce nom : indiquez le code postal ou le code INSEE",
			"several communes of the territory have this name: give the postal code or the INSEE code", strings.Join(names, " ou ")}}
	}
	if s := c.closest(k); s != nil {
		return placeResult{issue: &issue{fmt.Sprintf("commune inconnue sur le territoire %s", c.name),
			fmt.Sprintf("unknown commune in territory %s", c.name), fmt.Sprintf("%s (%s)", s.Name, s.INSEE)}}
	}
	if elsewhere := c.elsewhere(name); elsewhere != "" {
		return placeResult{issue: &issue{fmt.Sprintf("%s n'est pas une commune du territoire %s", elsewhere, c.name),
			fmt.Sprintf("%s is not a commune of territory %s", elsewhere, c.name), ""}}
	}
	return placeResult{issue: &issue{fmt.Sprintf("commune inconnue sur le territoire %s : vérifiez l'orthographe ou indiquez le code postal", c.name),
		fmt.Sprintf("unknown commune in territory %s: check the spelling or give the postal code", c.name), ""}}
}

func (c *communes) byPostalCode(postal string) placeResult {
	found := c.byPostal[postal]
	switch {
	case len(found) == 1:
		return placeResult{insee: found[0].INSEE}
	case len(found) > 1:
		names := make([]string, len(found))
		for i, cm := range found {
			names[i] = cm.Name
		}
		return placeResult{issue: &issue{fmt.Sprintf("le code postal %s dessert plusieurs communes du territoire : indiquez le nom de la commune", postal),
			fmt.Sprintf("postal code %s serves several communes of the territory: give the commune's name", postal), strings.Join(names, " ou ")}}
	}
	if c.ref != nil {
		if other := c.ref.ByPostalCode(postal); len(other) > 0 {
			return placeResult{issue: &issue{fmt.Sprintf("le code postal %s est celui de %s, hors du territoire %s", postal, other[0].Name, c.name),
				fmt.Sprintf("postal code %s is %s's, outside territory %s", postal, other[0].Name, c.name), ""}}
		}
	}
	return placeResult{issue: &issue{fmt.Sprintf("code postal %s inconnu", postal), fmt.Sprintf("unknown postal code %s", postal), ""}}
}

// closest returns the territory's commune whose name key is nearest k,
// within typo distance, or nil.
func (c *communes) closest(k string) *territory.Commune {
	var best *territory.Commune
	bestD := closeEnough(len(k)) + 1
	for i := range c.list {
		cm := &c.list[i]
		full := key(cm.Name)
		for _, cand := range []string{full, stripArticle(full)} {
			if d := distance(k, cand, bestD-1); d < bestD {
				best, bestD = cm, d
			}
		}
	}
	return best
}

// elsewhere names the commune of another territory that the answer
// designates exactly, with its département, or "".
func (c *communes) elsewhere(name string) string {
	if c.ref == nil {
		return ""
	}
	k := key(name)
	for _, cm := range c.ref.SearchName(name, 5) {
		if ck := key(cm.Name); ck == k || stripArticle(ck) == k {
			return fmt.Sprintf("%s (%s)", cm.Name, cm.Departement)
		}
	}
	return ""
}
