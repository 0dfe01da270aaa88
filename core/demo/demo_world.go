package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/api"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/mediation"
	"github.com/campagnon/campagnon/core/message"
	"github.com/campagnon/campagnon/core/rules"
	"github.com/campagnon/campagnon/core/search/corpus"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// lightParams hash the demo's accounts: their password is published, so a
// costly hash would protect nothing, and 450 derivations at the platform's
// parameters would take most of the seeding time. The platform rehashes
// each with its own parameters at the account's first login.
var lightParams = credential.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

// clock is the simulated time every service of the demo reads. The demo
// runs one action at a time, so it needs no lock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// services are the domain services the demo acts through, each reading
// the simulated clock; they share the application's store, rules,
// territories, referential and authorization.
type services struct {
	accounts  *account.Service
	listings  *listing.Service
	exchanges *exchange.Service
	messages  *message.Service
	ledger    *ledger.Service
	mediation *mediation.Service
	actions   *api.Actions
}

func newServices(a *app.App, clk *clock) *services {
	url := a.Config.Security.PublicURL
	s := &services{
		accounts:  account.NewService(a.Store, a.Referential, account.Options{Params: lightParams, BaseURL: url, Now: clk.Now}),
		ledger:    ledger.NewService(a.Store, clk.Now),
		mediation: mediation.NewService(a.Store, clk.Now),
	}
	s.listings = listing.NewService(a.Store, a.Rules, a.Territories, a.Referential, s.accounts, url, clk.Now)
	s.exchanges = exchange.NewService(a.Store, a.Rules, exchange.LedgerSettler{Ledger: s.ledger, Policy: a.Rules.TimeCredits}, clk.Now)
	s.messages = message.NewService(a.Store, s.accounts, url, clk.Now)
	s.actions = api.NewActions(api.Deps{Territories: a.Territories, Rules: a.Rules, Accounts: s.accounts, Authz: a.Authz,
		Mediation: s.mediation, Listings: s.listings, Exchanges: s.exchanges, Messages: s.messages, Ledger: s.ledger,
		Referential: a.Referential, Search: a.Search})
	return s
}

// world is the demo being planned, then played.
type world struct {
	app   *app.App
	o     Options
	rng   *rand.Rand
	clk   *clock
	svc   *services
	start time.Time // the platform's launch, Days before Now
	now   time.Time
	terrs []*terr
	// operator is the national operator, who names the territory admins.
	operator *member
	tl       timeline
	emails   map[string]bool
	sirens   map[string]bool
}

// terr is one seeded territory.
type terr struct {
	t      *territory.Territory
	cats   []abi.Category
	policy abi.TimeCreditPolicy
	// modes are the payment modes of each category, modality and SAP
	// standing, as the plugin states them.
	modes    map[modeKey][]string
	places   []corpus.Place
	members  []*member
	admin    *member
	habitant *member
	pro      *member
	// mediators act for the residents who gave them their consent.
	mediators []*member
	listings  []*plannedListing
	// showcased counts the first listings, which show every category,
	// kind and modality and the showcase members' own: none is moderated.
	showcased int
	exchanges []*plannedExchange
	// texts are generated offers and needs, by category and kind.
	texts map[textKey][]textDoc
}

type modeKey struct {
	category, modality string
	sap                bool
}

// member is one demo account.
type member struct {
	email      string
	first      string // first name, for messages
	name       string // display name
	commune    string // INSEE code
	lat, lon   float64
	role       string
	pro        *professional
	joined     time.Time // sign-up
	verified   time.Time
	id         string  // set when the account is created
	debit      int     // time-credit minutes this member pays, planned
	credit     int     // and receives
	consentFor *member // the mediator this member gave their consent to
}

// professional describes a professional member's business.
type professional struct {
	company, siret, naf, sap string
	category                 string
}

// Roles of demo members, as the logins show them.
const (
	roleResident = "habitant"
	roleOperator = "opérateur national"
	roleAdmin    = "administrateur du territoire"
	roleMediator = "médiateur"
	roleHabitant = "habitant (vitrine)"
	rolePro      = "professionnel SAP (vitrine)"
	roleMediated = "habitant accompagné par un médiateur"
)

func newWorld(ctx context.Context, a *app.App, o Options) (*world, error) {
	clk := &clock{t: o.Now.Add(-time.Duration(o.Days) * 24 * time.Hour)}
	w := &world{app: a, o: o, rng: rand.New(rand.NewPCG(o.Seed, o.Seed^0x5eed_cafe_f00d_d00d)), clk: clk,
		start: clk.t, now: o.Now, emails: map[string]bool{}, sirens: map[string]bool{}}
	w.svc = newServices(a, clk)
	var pops []int
	for _, slug := range o.Territories {
		d, err := a.Territories.Get(ctx, slug, false)
		if err != nil {
			return nil, err
		}
		cats, err := a.Rules.Categories(ctx, slug)
		if err != nil {
			return nil, fmt.Errorf("demo: categories of %s: %w", slug, err)
		}
		tr := &terr{t: &d.Territory, cats: cats.Categories, modes: map[modeKey][]string{}, texts: map[textKey][]textDoc{}}
		tr.policy = abi.TimeCreditPolicy{FloorMinutes: int(ledger.DefaultLimits.FloorMinutes), CeilingMinutes: int(ledger.DefaultLimits.CeilingMinutes)}
		if cats.TimeCredits != nil {
			tr.policy = *cats.TimeCredits
		}
		for _, c := range cats.Categories {
			for _, modality := range c.Modalities {
				for _, sap := range []bool{false, true} {
					if sap && modality != abi.ModalityProfessional {
						// SAP describes professionals: a resident's modes are the same.
						tr.modes[modeKey{c.ID, modality, true}] = tr.modes[modeKey{c.ID, modality, false}]
						continue
					}
					pm, err := a.Rules.PaymentModes(ctx, slug, rules.PaymentModesInput{Category: c.ID, Modality: modality, ProviderSAP: sap})
					if err != nil {
						return nil, fmt.Errorf("demo: payment modes of %s in %s: %w", c.ID, slug, err)
					}
					var modes []string
					for _, m := range pm.Modes {
						modes = append(modes, m.Mode)
					}
					slices.Sort(modes)
					tr.modes[modeKey{c.ID, modality, sap}] = modes
				}
			}
		}
		for _, c := range d.Communes {
			rc, ok := a.Referential.Commune(c.INSEE)
			if !ok || !rc.HasCentre {
				continue
			}
			tr.places = append(tr.places, corpus.Place{Territory: slug, INSEE: rc.INSEE, Name: rc.Name, Lat: rc.Lat, Lng: rc.Lon, Population: rc.Population})
		}
		if len(tr.places) == 0 {
			return nil, fmt.Errorf("demo: territory %s has no commune with a centre", slug)
		}
		// The communes in a stable order, largest first.
		slices.SortFunc(tr.places, func(a, b corpus.Place) int {
			if a.Population != b.Population {
				return b.Population - a.Population
			}
			return compareStrings(a.INSEE, b.INSEE)
		})
		w.terrs = append(w.terrs, tr)
		pops = append(pops, max(d.Population, 1))
	}
	// Members shared by population, each territory getting its minimum.
	counts := apportion(o.Members-MinMembersPerTerritory*len(w.terrs), pops)
	for i, tr := range w.terrs {
		w.people(tr, counts[i]+MinMembersPerTerritory)
	}
	return w, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// apportion shares n seats in proportion to weights by the largest
// remainder method: each share is within one of its exact quota, and a
// larger weight never gets fewer seats than a smaller one.
func apportion(n int, weights []int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	out := make([]int, len(weights))
	if total == 0 || n <= 0 {
		return out
	}
	type rest struct {
		i    int
		frac int64
	}
	rests := make([]rest, len(weights))
	given := 0
	for i, w := range weights {
		q := int64(n) * int64(w)
		out[i] = int(q / int64(total))
		given += out[i]
		rests[i] = rest{i, q % int64(total)}
	}
	slices.SortStableFunc(rests, func(a, b rest) int {
		switch {
		case a.frac != b.frac:
			if a.frac > b.frac {
				return -1
			}
			return 1
		case weights[a.i] != weights[b.i]:
			return weights[b.i] - weights[a.i]
		}
		return a.i - b.i
	})
	for k := 0; given < n; k++ {
		out[rests[k].i]++
		given++
	}
	return out
}

// between returns a time uniformly drawn in [a, b); a when b is not after a.
func (w *world) between(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	return a.Add(time.Duration(w.rng.Int64N(int64(b.Sub(a)))))
}

// minutes returns a duration of lo to hi minutes.
func (w *world) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+w.rng.IntN(hi-lo+1)) * time.Minute
}

func (w *world) hours(lo, hi int) time.Duration { return w.minutes(lo*60, hi*60) }

func (w *world) days(lo, hi float64) time.Duration {
	return time.Duration((lo + w.rng.Float64()*(hi-lo)) * float64(24*time.Hour))
}

// pick returns one element of list.
func pick[T any](w *world, list []T) T { return list[w.rng.IntN(len(list))] }

// chance reports true with probability p.
func (w *world) chance(p float64) bool { return w.rng.Float64() < p }

// plan lays out the whole history: people, then listings, moderation,
// exchanges and the server's periodic jobs, as timed actions.
func (w *world) plan() {
	w.planStaff()
	for _, tr := range w.terrs {
		w.planSignups(tr)
	}
	for _, tr := range w.terrs {
		w.planListings(tr)
		w.planModeration(tr)
		w.planExchanges(tr)
	}
	w.planJobs()
}
