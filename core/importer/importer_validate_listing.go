package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/sdk/abi"
)

// listing checks a line of needs and offers.
func (v *validator) listing(c *cells) {
	r := draft{modality: abi.ModalityResident, kind: v.m.DefaultKind}
	if raw, _ := c.get(FieldKind); raw != "" {
		if k, ok := v.m.values[FieldKind][key(raw)]; ok {
			r.kind = k
		} else {
			c.fail(FieldKind, raw, &issue{"type inconnu : la réponse dit-elle besoin ou offre ?", "unknown kind: does the answer say need or offer?",
				"écrivez « besoin » ou « offre », ou ajoutez cette réponse dans « values.kind » du fichier de correspondance"})
		}
	} else if r.kind == "" {
		c.require(FieldKind)
	}
	if raw, _ := c.get(FieldModality); raw != "" {
		if md, ok := v.m.values[FieldModality][key(raw)]; ok {
			r.modality = md
		} else {
			c.fail(FieldModality, raw, &issue{"modalité inconnue", "unknown modality", "« particulier » ou « professionnel »"})
		}
	}
	if r.kind == abi.ListingOffer && r.modality == abi.ModalityProfessional {
		c.fail(FieldModality, "", &issue{"une offre de professionnel ne s'importe pas avec les besoins des habitants",
			"a professional's offer is not imported with the residents' needs", "importez les entreprises avec le recensement (kind « businesses »)"})
	}
	if raw := c.require(FieldDate); raw != "" {
		at, is := parseDate(raw, v.m.layouts, v.now)
		if is != nil {
			c.fail(FieldDate, raw, is)
		}
		r.at = at
	}
	r.commune = v.commune(c)
	if raw := c.require(FieldCategory); raw != "" {
		r.category = v.category(c, raw)
	}
	r.title = cleanText(c.require(FieldTitle), true)
	if r.title != "" {
		switch n := utf8.RuneCountInString(r.title); {
		case !printable(r.title):
			c.fail(FieldTitle, r.title, &issue{"caractères illisibles dans l'intitulé", "unreadable characters in the title", ""})
		case n < 5:
			c.fail(FieldTitle, r.title, &issue{"intitulé trop court : 5 caractères au moins", "title too short: 5 characters at least",
				map[string]string{abi.ListingNeed: "Besoin : ", abi.ListingOffer: "Offre : ", "": ""}[r.kind] + r.title})
		case n > 120:
			c.fail(FieldTitle, r.title, &issue{"intitulé trop long : 120 caractères au plus", "title too long: 120 characters at most",
				"gardez quelques mots et mettez le reste dans la description"})
		}
	}
	desc, _ := c.get(FieldDesc)
	r.description = cleanText(desc, false)
	if utf8.RuneCountInString(r.description) > 4000 || !printable(r.description) {
		c.fail(FieldDesc, r.description, &issue{"description trop longue (4 000 caractères au plus) ou illisible", "description too long (4,000 characters at most) or unreadable", ""})
	}
	modes := v.modes(c, r.category)
	if raw, _ := c.get(FieldPrice); raw != "" {
		cents, is := parsePrice(raw)
		if is != nil {
			c.fail(FieldPrice, raw, is)
		}
		r.priceCents = cents
	}
	switch {
	case r.priceCents > 0:
		r.priceKind = abi.PriceHourly
	case slices.ContainsFunc(modes, paid):
		r.priceKind = abi.PriceOnQuote
	default:
		r.priceKind = abi.PriceFree
	}
	r.contact = v.contact(c, FieldName, FieldEmail, FieldPhone, false)
	if c.bad || v.headerBad {
		return
	}
	ok, err := v.accepted(c.line, abi.Listing{Kind: r.kind, Category: r.category, Modality: r.modality,
		Title: r.title, Description: r.description, Modes: modes, PriceKind: r.priceKind, PriceCents: r.priceCents, Commune: r.commune})
	if err != nil {
		v.fatal = err
		return
	}
	if !ok {
		return
	}
	name, _ := c.get(FieldName)
	email, _ := c.get(FieldEmail)
	src, _ := c.get(FieldSourceID)
	sum := digest(KindListings, r.kind, r.modality, r.category, r.commune, r.at.UTC().Format(time.RFC3339), key(r.title), key(r.description),
		strings.Join(modes, ","), fmt.Sprint(r.priceCents), key(name), strings.ToLower(email))
	k := sum
	if src != "" {
		k = digest(KindListings, "source", v.m.Form, src)
	}
	if !v.first(c, k, sum) {
		return
	}
	// Fresh copies: the line's cells share one string, which would stay
	// in memory for the title's sake.
	v.rep.listings = append(v.rep.listings, listingRecord{key: k, title: strings.Clone(r.title), description: strings.Clone(r.description),
		contact: r.contact, at: r.at.Unix(), line: int32(c.line), priceCents: int32(r.priceCents),
		category: v.rep.intern(r.category), commune: v.rep.intern(r.commune), kind: code(kindCodes, r.kind),
		modality: code(modalityCodes, r.modality), priceKind: code(priceCodes, r.priceKind), modes: modeSet(modes)})
}

// draft is a line of needs and offers being checked.
type draft struct {
	kind, modality, category, commune string
	title, description, priceKind     string
	priceCents                        int64
	at                                time.Time
	contact                           *contact
}

// maxVerdicts bounds the plugin's verdicts a validation remembers.
const maxVerdicts = 100_000

// accepted asks the territory's plugin whether it accepts a line's
// listing, recording its refusal as the line's problem. The plugin is
// asked once per combination of what its verdict depends on — kind,
// category, modality, modes, price and commune — and a combination it
// accepted once is accepted for the later lines: a call costs hundreds of
// microseconds (a 100,000-line file would take a minute), and a plugin
// reads the text only for its warnings, which an import does not show. A
// refused combination is asked again line by line, since the refusal may
// be the line's own. A plugin that does not answer (after a second try)
// stops the validation: its lines cannot be judged.
func (v *validator) accepted(line int, l abi.Listing) (bool, error) {
	combo := strings.Join([]string{l.Kind, l.Category, l.Modality, strings.Join(l.Modes, ","), l.PriceKind, strconv.FormatInt(l.PriceCents, 10), l.Commune}, "\x1f")
	if v.verdicts[combo] {
		return true, nil
	}
	var err error
	for range 2 {
		_, err = v.s.rules.ValidateListing(v.ctx, v.t.Slug, l)
		if k := apperr.KindOf(err); err == nil || k == apperr.KindRefused || k == apperr.KindInvalid {
			break
		}
	}
	e := apperr.As(err)
	switch {
	case err == nil:
		if len(v.verdicts) < maxVerdicts {
			v.verdicts[combo] = true
		}
		return true, nil
	case e.Kind == apperr.KindRefused || e.Kind == apperr.KindInvalid:
		v.rep.problem(Problem{Line: line, Message: "Refusée par les règles du territoire : " + e.Message, MessageEN: "Refused by the territory's rules: " + e.MessageEN})
		return false, nil
	}
	return false, apperr.Wrap(err, apperr.KindUnavailable, "import_rules_unavailable",
		fmt.Sprintf("Les règles du territoire n'ont pas répondu pour la ligne %d : rien n'est importé. Réessayez dans un moment. Détail : %s", line, e.Message),
		fmt.Sprintf("The territory's rules did not answer for line %d: nothing is imported. Try again in a moment. Detail: %s", line, e.MessageEN))
}

// paid reports a payment mode in which someone is paid.
func paid(mode string) bool {
	return mode == abi.ModeCESUDeclaratif || mode == abi.ModeCESUPrefinance || mode == abi.ModeProfessional
}

// category resolves the line's category answer.
func (v *validator) category(c *cells, raw string) string {
	k := key(raw)
	if id, ok := v.catKeys[k]; ok {
		return id
	}
	c.fail(FieldCategory, raw, &issue{"catégorie inconnue sur ce territoire", "unknown category in this territory", v.categorySuggestion(k)})
	return ""
}

// categorySuggestion names the category an answer probably means.
func (v *validator) categorySuggestion(k string) string {
	best, bestD := "", closeEnough(len(k))+1
	for _, ck := range slices.Sorted(mapKeys(v.catKeys)) {
		if d := distance(k, ck, bestD-1); d < bestD {
			best, bestD = v.catKeys[ck], d
		}
	}
	if best == "" {
		for _, w := range strings.Fields(k) {
			if len(w) < 4 {
				continue
			}
			for _, id := range slices.Sorted(mapKeys(v.cats)) {
				if strings.Contains(key(v.cats[id].Label), w) || strings.Contains(key(v.cats[id].Description), w) {
					best = id
					break
				}
			}
			if best != "" {
				break
			}
		}
	}
	hint := " (ajoutez la réponse du formulaire dans « values.category » du fichier de correspondance)"
	if best == "" {
		return "l'une de " + strings.Join(v.catNames, ", ") + hint
	}
	return fmt.Sprintf("« %s » (%s)", v.cats[best].Label, best) + hint
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// modes resolves the line's payment modes, checked against the category.
func (v *validator) modes(c *cells, category string) []string {
	raw, _ := c.get(FieldModes)
	var out []string
	for _, a := range splitAnswers(raw) {
		md, ok := v.modeKeys[key(a)]
		if !ok {
			labels := make([]string, len(abi.Modes))
			for i, m := range abi.Modes {
				labels[i] = modeLabels[m][0]
			}
			c.fail(FieldModes, a, &issue{"mode de paiement inconnu", "unknown payment mode",
				"l'un de : " + strings.Join(labels, ", ") + " (ou ajoutez la réponse dans « values.modes » du fichier de correspondance)"})
			continue
		}
		if !slices.Contains(out, md) {
			out = append(out, md)
		}
	}
	if raw == "" {
		out = slices.Clone(v.m.DefaultModes)
	}
	if len(out) == 0 && raw == "" {
		if _, has := c.get(FieldModes); has {
			c.require(FieldModes)
		} else {
			c.fail(FieldModes, "", &issue{"mode de paiement manquant", "payment mode missing",
				"ajoutez une colonne « Mode de paiement », ou « default_modes » au fichier de correspondance"})
		}
	}
	slices.Sort(out)
	if cat := v.cats[category]; cat != nil {
		for _, md := range out {
			if !slices.Contains(cat.Modes, md) {
				allowed := make([]string, len(cat.Modes))
				for i, m := range cat.Modes {
					allowed[i] = modeLabels[m][0]
				}
				c.fail(FieldModes, raw, &issue{fmt.Sprintf("la catégorie « %s » n'accepte pas le mode %s", cat.Label, modeLabels[md][0]),
					fmt.Sprintf("category %q does not accept mode %s", cat.ID, modeLabels[md][1]), "l'un de : " + strings.Join(allowed, ", ")})
			}
		}
	}
	return out
}
