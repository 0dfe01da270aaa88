package demo

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/search/corpus"
	"github.com/campagnon/campagnon/sdk/abi"
)

// people creates n members of tr, spread over its communes in proportion
// to their population, with names and sign-up dates.
func (w *world) people(tr *terr, n int) {
	weights := make([]int, len(tr.places))
	for i, p := range tr.places {
		weights[i] = max(p.Population, 1)
	}
	var homes []corpus.Place
	for i, k := range apportion(n, weights) {
		for range k {
			homes = append(homes, tr.places[i])
		}
	}
	w.rng.Shuffle(len(homes), func(i, j int) { homes[i], homes[j] = homes[j], homes[i] })
	for _, p := range homes {
		first, last := pick(w, firstNames), pick(w, lastNames)
		m := &member{first: first, name: first + " " + string([]rune(last)[:1]) + ".", commune: p.INSEE,
			lat: p.Lat, lon: p.Lng, role: roleResident}
		m.email = w.email(fold(first) + "." + fold(last))
		tr.members = append(tr.members, m)
	}
}

// email returns local@Domain, numbered when local is taken.
func (w *world) email(local string) string {
	e := local + "@" + Domain
	for i := 2; w.emails[e]; i++ {
		e = fmt.Sprintf("%s%d@%s", local, i, Domain)
	}
	w.emails[e] = true
	return e
}

// fold writes a name in lower-case ASCII for an email address.
func fold(s string) string {
	r := strings.NewReplacer("à", "a", "â", "a", "ä", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
		"î", "i", "ï", "i", "ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y", "œ", "oe", "æ", "ae",
		" ", "-", "'", "")
	return r.Replace(strings.ToLower(s))
}

// planStaff gives the first members of each territory their roles: the
// national operator (in the first territory), the territory's admin, its
// mediators, a showcase resident and a showcase professional, then the
// other professionals.
func (w *world) planStaff() {
	for i, tr := range w.terrs {
		ms := tr.members
		k := 0
		next := func() *member { k++; return ms[k-1] }
		slug := tr.t.Slug
		if i == 0 {
			w.operator = next()
			w.operator.role, w.operator.name = roleOperator, "Opérateur national (démo)"
			w.operator.email = w.email("operateur")
		}
		tr.admin = next()
		tr.admin.role, tr.admin.name = roleAdmin, "Équipe Campagnon – "+tr.t.Name
		tr.admin.email = w.email("admin." + slug)
		nMed := 1 + len(ms)/200
		for j := range nMed {
			m := next()
			m.role, m.name = roleMediator, "France services – "+w.placeName(tr, m.commune)
			m.email = w.email("mediation." + slug)
			if j > 0 {
				m.name = "Mairie de " + w.placeName(tr, m.commune) + " (médiation)"
			}
			tr.mediators = append(tr.mediators, m)
		}
		tr.habitant = next()
		tr.habitant.role = roleHabitant
		tr.habitant.email = w.email("habitant." + slug)
		tr.pro = next()
		tr.pro.role = rolePro
		tr.pro.email = w.email("pro." + slug)
		tr.pro.pro = w.business(tr, tr.pro, w.showcaseCategory(tr), true)
		// One professional per category, then about 6 % of the members.
		cats := tr.cats
		extra := max(0, len(ms)*6/100-len(cats))
		for j := 0; j < len(cats)+extra && k < len(ms); j++ {
			m := next()
			cat := cats[j%len(cats)]
			sap := cat.SAP.Eligible && !cat.SAP.ApprovalRequired && w.chance(0.65)
			m.pro = w.business(tr, m, cat.ID, sap)
		}
	}
}

// showcaseCategory is the category of the showcase professional: the first
// where a declared professional may take prefunded CESU.
func (w *world) showcaseCategory(tr *terr) string {
	for _, c := range tr.cats {
		if slices.Contains(tr.modes[modeKey{c.ID, abi.ModalityProfessional, true}], abi.ModeCESUPrefinance) {
			return c.ID
		}
	}
	return tr.cats[0].ID
}

func (w *world) placeName(tr *terr, insee string) string {
	for _, p := range tr.places {
		if p.INSEE == insee {
			return p.Name
		}
	}
	return insee
}

// business makes m a professional of category in tr, with a valid SIRET,
// a NAF code of the trade and, when sap, a services-à-la-personne number.
func (w *world) business(tr *terr, m *member, category string, sap bool) *professional {
	trade, ok := trades[category]
	if !ok {
		trade = trades[""]
	}
	name := strings.NewReplacer("{commune}", w.placeName(tr, m.commune), "{nom}", pick(w, lastNames)).Replace(pick(w, trade.names))
	p := &professional{company: name, naf: pick(w, trade.naf), category: category}
	siren := w.siren()
	p.siret = siren + "0001" + luhnDigit(siren+"0001")
	if sap {
		p.sap = "SAP" + siren
	}
	return p
}

// siren returns a new SIREN number with its Luhn key.
func (w *world) siren() string {
	for {
		body := fmt.Sprintf("%d%07d", 3+w.rng.IntN(7), w.rng.IntN(10_000_000))
		s := body + luhnDigit(body)
		if credential.ValidSIREN(s) && !w.sirens[s] {
			w.sirens[s] = true
			return s
		}
	}
}

// luhnDigit returns the digit that completes prefix into a number passing
// the Luhn check.
func luhnDigit(prefix string) string {
	for d := '0'; d <= '9'; d++ {
		if luhnOK(prefix + string(d)) {
			return string(d)
		}
	}
	return "0"
}

func luhnOK(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// planSignups plans each member's sign-up and verification (which makes
// them a resident, and a professional, of the territory and gives the
// welcome credits), and the staff's roles.
func (w *world) planSignups(tr *terr) {
	launch := w.start.Add(30 * time.Minute)
	for _, m := range tr.members {
		switch {
		case m == w.operator:
			m.joined = launch
		case m == tr.admin:
			m.joined = launch.Add(time.Hour)
		case m.role == roleMediator:
			m.joined = launch.Add(w.hours(20, 72))
		case m == tr.habitant || m == tr.pro:
			m.joined = launch.Add(w.hours(24, 60))
		case w.chance(0.35):
			m.joined = w.between(launch.Add(3*time.Hour), launch.Add(14*24*time.Hour))
		default:
			m.joined = w.between(launch.Add(14*24*time.Hour), w.now.Add(-2*24*time.Hour))
		}
		m.verified = m.joined.Add(w.minutes(3, 240))
		if m == w.operator || m == tr.admin {
			m.verified = m.joined.Add(w.minutes(4, 9))
		}
		w.signup(m)
	}
	// The operator names the admin, who names the mediators.
	slug := tr.t.Slug
	w.at(later(tr.admin.verified, w.operator.verified).Add(10*time.Minute), whatRoles, func(ctx context.Context) error {
		return w.app.Authz.AddRole(ctx, w.operator.id, tr.admin.id, authz.RoleTerritoryAdmin, slug)
	})
	for _, med := range tr.mediators {
		w.at(later(med.verified, tr.admin.verified).Add(w.minutes(30, 300)), whatRoles, func(ctx context.Context) error {
			return w.app.Authz.AddRole(ctx, tr.admin.id, med.id, authz.RoleMediator, slug)
		})
	}
}

var verifyLink = regexp.MustCompile(`jeton=(cmp_verify_[A-Za-z0-9_-]+)`)

// signup plans m's sign-up and, once they followed the link of the email,
// their verification.
func (w *world) signup(m *member) {
	in := account.SignUpInput{Email: m.email, Password: Password, DisplayName: m.name, Commune: m.commune}
	if p := m.pro; p != nil {
		in.Professional = &account.ProfessionalInput{CompanyName: p.company, SIRET: p.siret, NAF: p.naf, SAPNumber: p.sap}
	}
	w.at(m.joined, whatSignups, func(ctx context.Context) error {
		_, err := w.svc.accounts.SignUp(ctx, in)
		return err
	})
	w.at(m.verified, whatSignups, func(ctx context.Context) error {
		ms, err := w.svc.accounts.Outbox(ctx, m.email, 1)
		if err != nil {
			return err
		}
		var token string
		if len(ms) == 1 {
			if mm := verifyLink.FindStringSubmatch(ms[0].Body); mm != nil {
				token = mm[1]
			}
		}
		if token == "" {
			return fmt.Errorf("no verification email for %s", m.email)
		}
		acc, err := w.svc.actions.Verify(ctx, token)
		if err != nil {
			return err
		}
		m.id = acc.ID
		if m == w.operator {
			return w.app.Authz.Bootstrap(ctx, m.id)
		}
		return nil
	})
}

// active returns tr's members verified before t, other than the staff.
func (tr *terr) active(t time.Time) []*member {
	var out []*member
	for _, m := range tr.members {
		if m.verified.Before(t) && m.role != roleOperator && m.role != roleAdmin && m.role != roleMediator {
			out = append(out, m)
		}
	}
	return out
}
