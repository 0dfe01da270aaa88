package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/search/corpus"
	"github.com/campagnon/campagnon/sdk/abi"
)

// textKey sorts the generated texts.
type textKey struct{ category, kind string }

// textDoc is a generated offer or need: its words and its commune.
type textDoc struct {
	title, description, commune string
}

// plannedListing is a listing of the demo and its life.
type plannedListing struct {
	t     *terr
	owner *member
	in    listing.Input
	// windows are the intervals during which the listing is visible.
	windows []window
	id      string // set when created
}

type window struct{ from, to time.Time }

// Lives of a listing.
const (
	lifePublished   = "published"   // published in the last 8 weeks, still up
	lifeRepublished = "republished" // expired, then published again by its owner
	lifeExpired     = "expired"     // expired at the end of its lifetime
	lifeClosed      = "closed"      // closed by its owner
	lifePaused      = "paused"      // paused by its owner
	lifeDraft       = "draft"       // never published
)

var lives = []struct {
	life   string
	weight int
}{{lifePublished, 62}, {lifeRepublished, 8}, {lifeExpired, 8}, {lifeClosed, 8}, {lifePaused, 6}, {lifeDraft, 4}}

// texts generates the offers' and needs' words of tr with the search
// corpus generator (realistic French, spread over the communes by
// population), sorted by category and kind.
func (w *world) texts(tr *terr, n int) {
	seed := w.o.Seed ^ uint64(len(tr.t.Slug))<<32 ^ 0x7e47
	for _, d := range corpus.Generate(tr.places, n, seed) {
		k := textKey{d.Category, d.Kind}
		tr.texts[k] = append(tr.texts[k], textDoc{title: d.Title, description: d.Description, commune: d.Commune})
	}
	// A category the corpus does not know gets plain words.
	for _, c := range tr.cats {
		for _, kind := range []string{abi.ListingOffer, abi.ListingNeed} {
			k := textKey{c.ID, kind}
			if len(tr.texts[k]) > 0 {
				continue
			}
			for _, p := range tr.places[:min(len(tr.places), 5)] {
				title := fmt.Sprintf("%s : je propose mon aide à %s", c.Label, p.Name)
				desc := fmt.Sprintf("Bonjour, j'habite à %s et je peux rendre service (%s). Contactez-moi par la messagerie.", p.Name, strings.ToLower(c.Label))
				if kind == abi.ListingNeed {
					title = fmt.Sprintf("%s : je cherche de l'aide à %s", c.Label, p.Name)
					desc = fmt.Sprintf("Bonjour, j'habite à %s et je cherche quelqu'un (%s). Merci d'avance !", p.Name, strings.ToLower(c.Label))
				}
				tr.texts[k] = append(tr.texts[k], textDoc{title: title, description: desc, commune: p.INSEE})
			}
		}
	}
}

// text takes the next generated text of category and kind.
func (tr *terr) text(category, kind string, used map[textKey]int) textDoc {
	k := textKey{category, kind}
	list := tr.texts[k]
	d := list[used[k]%len(list)]
	used[k]++
	return d
}

// planListings plans tr's listings: first one offer and one need of each
// category and modality, the showcase members' own, then the others as
// the generated texts come, each with its life.
func (w *world) planListings(tr *terr) {
	n := int(math.Round(float64(len(tr.members)) * 0.85))
	w.texts(tr, max(240, 3*n))
	used := map[textKey]int{}
	residents := tr.active(w.now)
	var pros, nonPros []*member
	for _, m := range residents {
		if m.pro != nil {
			pros = append(pros, m)
		} else {
			nonPros = append(nonPros, m)
		}
	}
	add := func(owner *member, category, kind, modality string, life string, doc textDoc) {
		if owner == nil {
			return
		}
		pl := &plannedListing{t: tr, owner: owner}
		pl.in = w.listingInput(tr, owner, category, kind, modality, doc)
		if life == "" {
			life = w.life()
		}
		w.lifeOf(pl, life)
		tr.listings = append(tr.listings, pl)
	}
	proOf := func(category string) *member {
		var fit []*member
		for _, p := range pros {
			if p.pro.category == category {
				fit = append(fit, p)
			}
		}
		if len(fit) == 0 {
			fit = pros
		}
		if len(fit) == 0 {
			return nil
		}
		return pick(w, fit)
	}
	residentIn := func(commune string) *member {
		var here []*member
		for _, m := range residents {
			if m.commune == commune && m.pro == nil {
				here = append(here, m)
			}
		}
		if len(here) == 0 {
			return pick(w, nonPros)
		}
		return pick(w, here)
	}
	// Every category, kind and modality shows at least one listing.
	for _, c := range tr.cats {
		for _, modality := range c.Modalities {
			for _, kind := range []string{abi.ListingOffer, abi.ListingNeed} {
				doc := tr.text(c.ID, kind, used)
				owner := residentIn(doc.commune)
				if modality == abi.ModalityProfessional && kind == abi.ListingOffer {
					owner = proOf(c.ID)
				}
				add(owner, c.ID, kind, modality, lifePublished, doc)
			}
		}
	}
	// The showcase members' own listings.
	for i, c := range []string{w.showcaseCategory(tr), tr.cats[len(tr.cats)-1].ID} {
		add(tr.habitant, c, abi.ListingOffer, abi.ModalityResident, lifePublished, tr.text(c, abi.ListingOffer, used))
		if i == 0 {
			add(tr.habitant, tr.cats[0].ID, abi.ListingNeed, abi.ModalityResident, lifePublished, tr.text(tr.cats[0].ID, abi.ListingNeed, used))
		}
		add(tr.pro, tr.pro.pro.category, abi.ListingOffer, abi.ModalityProfessional, lifePublished, tr.text(tr.pro.pro.category, abi.ListingOffer, used))
	}
	// Every life shows once, with an owner there from the start.
	var early []*member
	for _, m := range nonPros {
		if m.verified.Before(w.start.Add(15 * day)) {
			early = append(early, m)
		}
	}
	if len(early) > 0 {
		for _, life := range []string{lifeExpired, lifeRepublished, lifeClosed, lifePaused, lifeDraft} {
			c := pick(w, tr.cats)
			add(pick(w, early), c.ID, abi.ListingOffer, abi.ModalityResident, life, tr.text(c.ID, abi.ListingOffer, used))
		}
	}
	tr.showcased = len(tr.listings)
	// The others, in proportion: a professional offer for each professional
	// or so, needs a third of the time.
	for len(tr.listings) < n {
		c := pick(w, tr.cats)
		kind := abi.ListingOffer
		if w.chance(0.33) {
			kind = abi.ListingNeed
		}
		doc := tr.text(c.ID, kind, used)
		modality := abi.ModalityResident
		owner := residentIn(doc.commune)
		if slices.Contains(c.Modalities, abi.ModalityProfessional) {
			switch {
			case kind == abi.ListingOffer && w.chance(0.12):
				modality, owner = abi.ModalityProfessional, proOf(c.ID)
			case kind == abi.ListingNeed && w.chance(0.1):
				modality = abi.ModalityProfessional
			}
		}
		add(owner, c.ID, kind, modality, "", doc)
	}
}

// life draws a listing's life.
func (w *world) life() string {
	total := 0
	for _, l := range lives {
		total += l.weight
	}
	r := w.rng.IntN(total)
	for _, l := range lives {
		if r < l.weight {
			return l.life
		}
		r -= l.weight
	}
	return lifePublished
}

// listingInput writes a listing of owner: its words, modes, price and
// availability.
func (w *world) listingInput(tr *terr, owner *member, category, kind, modality string, doc textDoc) listing.Input {
	in := listing.Input{Kind: kind, Category: category, Modality: modality, Title: doc.title, Description: doc.description,
		Commune: doc.commune, Publish: true}
	sap := owner.pro != nil && owner.pro.sap != ""
	if kind == abi.ListingNeed {
		sap = true // a need may name the modes of a declared provider
	}
	allowed := tr.modes[modeKey{category, modality, sap}]
	odds := map[string]float64{abi.ModeFree: 0.45, abi.ModeTimeCredits: 0.6, abi.ModeCESUDeclaratif: 0.35,
		abi.ModeCESUPrefinance: 0.25, abi.ModeProfessional: 1}
	for _, m := range allowed {
		if w.chance(odds[m]) {
			in.Modes = append(in.Modes, m)
		}
	}
	if len(in.Modes) == 0 && len(allowed) > 0 {
		in.Modes = []string{pick(w, allowed)}
	}
	paid := slices.ContainsFunc(in.Modes, func(m string) bool {
		return m == abi.ModeCESUDeclaratif || m == abi.ModeCESUPrefinance || m == abi.ModeProfessional
	})
	switch {
	case modality == abi.ModalityProfessional && (kind == abi.ListingNeed || w.chance(0.25)):
		in.PriceKind = abi.PriceOnQuote
	case modality == abi.ModalityProfessional:
		in.PriceKind, in.PriceCents = abi.PriceHourly, int64(2400+100*w.rng.IntN(25))
	case paid:
		// A net hourly wage above the CESU minimum (SMIC plus 10 %).
		in.PriceKind, in.PriceCents = abi.PriceHourly, int64(1150+50*w.rng.IntN(6))
	default:
		in.PriceKind = abi.PriceFree
	}
	if kind == abi.ListingOffer {
		in.TravelKm = 5 * (1 + w.rng.IntN(6))
		for range 1 + w.rng.IntN(3) {
			s := pick(w, slots)
			s.Day = 1 + w.rng.IntN(7)
			if !slices.ContainsFunc(in.Availability, func(o listing.Slot) bool { return o.Day == s.Day }) {
				in.Availability = append(in.Availability, s)
			}
		}
	}
	if p := owner.pro; p != nil && modality == abi.ModalityProfessional && kind == abi.ListingOffer {
		in.Description += "\n\n" + p.company + " — SIRET " + p.siret + "."
		if p.sap != "" {
			in.Description += " Déclarée services à la personne (" + p.sap + ") : CESU préfinancé accepté, 50 % de crédit d'impôt sur la main-d'œuvre."
		} else {
			in.Description += " Devis gratuit, facture à chaque intervention."
		}
	}
	return in
}

var slots = []listing.Slot{{From: "08:30", To: "12:00"}, {From: "09:00", To: "12:00"}, {From: "14:00", To: "18:00"},
	{From: "13:30", To: "17:00"}, {From: "17:00", To: "20:00"}, {From: "10:00", To: "16:00"}}

// lifeOf plans pl's creation and life, from its owner's verification to
// now, and the windows when it can be asked for.
func (w *world) lifeOf(pl *plannedListing, life string) {
	earliest := pl.owner.verified.Add(w.minutes(10, 2*24*60))
	day := 24 * time.Hour
	fits := map[string]bool{
		lifePublished:   earliest.Before(w.now.Add(-3 * time.Hour)),
		lifeRepublished: earliest.Before(w.now.Add(-70 * day)),
		lifeExpired:     earliest.Before(w.now.Add(-62 * day)),
		lifeClosed:      earliest.Before(w.now.Add(-14 * day)),
		lifePaused:      earliest.Before(w.now.Add(-8 * day)),
		lifeDraft:       true,
	}
	if !fits[life] {
		life = lifePublished
		if !fits[life] {
			life = lifeDraft
		}
	}
	var p time.Time
	switch life {
	case lifePublished:
		p = w.between(later(earliest, w.now.Add(-56*day)), w.now.Add(-3*time.Hour))
		pl.windows = []window{{p, w.now}}
	case lifeRepublished:
		p = w.between(earliest, w.now.Add(-70*day))
		again := p.Add(listing.Lifetime + w.days(2, 6))
		pl.windows = []window{{p, p.Add(listing.Lifetime - slack)}, {again, w.now}}
		w.at(again, whatListings, func(ctx context.Context) error { return w.setStatus(ctx, pl, listing.ActionPublish) })
	case lifeExpired:
		p = w.between(earliest, w.now.Add(-62*day))
		pl.windows = []window{{p, p.Add(listing.Lifetime - slack)}}
	case lifeClosed:
		p = w.between(earliest, w.now.Add(-14*day))
		end := earlier(p.Add(w.days(7, 40)), w.now.Add(-slack))
		pl.windows = []window{{p, end}}
		w.at(end, whatListings, func(ctx context.Context) error { return w.setStatus(ctx, pl, listing.ActionClose) })
	case lifePaused:
		p = w.between(later(earliest, w.now.Add(-50*day)), w.now.Add(-8*day))
		end := earlier(p.Add(w.days(3, 20)), w.now.Add(-slack))
		pl.windows = []window{{p, end}}
		w.at(end, whatListings, func(ctx context.Context) error { return w.setStatus(ctx, pl, listing.ActionPause) })
	case lifeDraft:
		p = w.between(earliest, w.now.Add(-time.Hour))
		pl.in.Publish = false
	}
	in := pl.in
	w.at(p, whatListings, func(ctx context.Context) error {
		v, err := w.svc.listings.Create(ctx, pl.t.t, pl.owner.listingOwner(), in)
		if err != nil {
			return fmt.Errorf("listing %q of %s: %w", in.Title, pl.owner.email, err)
		}
		pl.id = v.ID
		return nil
	})
}

func (w *world) setStatus(ctx context.Context, pl *plannedListing, action string) error {
	_, err := w.svc.listings.SetStatus(ctx, pl.t.t, pl.owner.id, pl.id, action)
	return err
}

// listingOwner is m as the listing service knows an owner.
func (m *member) listingOwner() listing.Owner {
	return listing.Owner{ID: m.id, Professional: m.pro != nil, SAP: m.pro != nil && m.pro.sap != ""}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cut ends pl's windows at t (a moderator hid it).
func (pl *plannedListing) cut(t time.Time) {
	var out []window
	for _, win := range pl.windows {
		if !win.from.Before(t) {
			continue
		}
		win.to = earlier(win.to, t)
		out = append(out, win)
	}
	pl.windows = out
}

// visibleIn returns the part of [lo, hi] during which pl is visible, the
// longest one when it is split; ok is false when there is none.
func (pl *plannedListing) visibleIn(lo, hi time.Time) (window, bool) {
	best, ok := window{}, false
	for _, win := range pl.windows {
		from, to := later(win.from.Add(time.Hour), lo), earlier(win.to.Add(-time.Hour), hi)
		if to.After(from) && (!ok || to.Sub(from) > best.to.Sub(best.from)) {
			best, ok = window{from, to}, true
		}
	}
	return best, ok
}

// planModeration plans, in tr, a listing reported by several members and
// hidden by the admin, and one reported once and waiting in the queue.
func (w *world) planModeration(tr *terr) {
	var candidates []*plannedListing
	for i, pl := range tr.listings {
		if pl.owner == tr.habitant || pl.owner == tr.pro || len(pl.windows) != 1 || !pl.windows[0].to.Equal(w.now) ||
			!pl.windows[0].from.Before(w.now.Add(-10*day)) {
			continue
		}
		// The listings beyond the showcase first.
		if i >= tr.showcased {
			candidates = append([]*plannedListing{pl}, candidates...)
		} else {
			candidates = append(candidates, pl)
		}
	}
	reasons := []string{"Annonce en double : la même a été publiée deux fois.", "Prix demandé pour un transport entre habitants, ce qui n'est pas permis.",
		"Publicité pour une entreprise, pas un service entre voisins.", "Texte copié d'une autre annonce, coordonnées personnelles dedans."}
	for i, pl := range candidates[:min(2, len(candidates))] {
		t0 := w.between(w.now.Add(-8*day), w.now.Add(-5*day))
		active := tr.active(t0)
		w.rng.Shuffle(len(active), func(i, j int) { active[i], active[j] = active[j], active[i] })
		active = slices.DeleteFunc(active, func(m *member) bool { return m == pl.owner })
		reporters := active[:min(len(active), 3-2*i)]
		for r, m := range reporters {
			reason := reasons[(i+r)%len(reasons)]
			w.at(t0.Add(time.Duration(r)*w.hours(2, 20)), whatListings, func(ctx context.Context) error {
				return w.svc.listings.Report(ctx, tr.t, m.id, pl.id, reason)
			})
		}
		if i == 0 && len(reporters) > 0 {
			hide := t0.Add(3 * day)
			pl.cut(hide)
			w.at(hide, whatListings, func(ctx context.Context) error {
				_, err := w.svc.listings.Moderate(ctx, tr.t, tr.admin.id, pl.id, true,
					"Annonce masquée après plusieurs signalements : elle ne respecte pas la charte du territoire. Modifiez-la puis écrivez-nous.")
				return err
			})
		}
	}
}
