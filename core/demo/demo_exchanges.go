package demo

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/sdk/abi"
)

const day = 24 * time.Hour

// plannedExchange is an exchange of the demo: its listing, its parties,
// its request and the moves that take it to its planned state.
type plannedExchange struct {
	t        *terr
	l        *plannedListing
	seeker   *member
	provider *member
	in       exchange.RequestInput
	// mediator acts for the seeker, under their consent.
	mediator *member
	state    exchange.State
	id       string // set when requested
	x        *exchange.Exchange
	// service is the date of the service (of its first session).
	service time.Time
	// ref numbers the professional's quote and invoice.
	ref int
}

// requester is who asks: the seeker for an offer, the provider answering a need.
func (pe *plannedExchange) requester() *member {
	if pe.l.in.Kind == abi.ListingNeed {
		return pe.provider
	}
	return pe.seeker
}

// counterpart is who answers the request.
func (pe *plannedExchange) counterpart() *member {
	if pe.l.in.Kind == abi.ListingNeed {
		return pe.seeker
	}
	return pe.provider
}

// spec is an exchange wanted: its state, and optionally its mode, a member
// who must take part, a recurring agreement, a mediator.
type spec struct {
	state exchange.State
	mode  string
	// party takes part: as the provider when asProvider, else as the seeker.
	party      *member
	asProvider bool
	recurring  bool
	// mediator acts for party (the seeker) from consentAt.
	mediator  *member
	consentAt time.Time
}

// move is one step of an exchange, off after its request.
type move struct {
	off time.Duration
	do  func(ctx context.Context, pe *plannedExchange) error
	// what labels the progress; message moves are messages.
	what string
}

// path is the planned life of an exchange: its moves, when its last one
// happens (end, after the request), and when end may fall.
type path struct {
	moves   []move
	end     time.Duration
	endLo   time.Time
	endHi   time.Time
	settles bool // the exchange is confirmed: its time credits move
	months  int  // months of a recurring agreement settled
	// serviceOff is when the service takes place; future when it is still
	// to come.
	serviceOff time.Duration
	future     bool
}

// stateWeights draws the states of the exchanges beyond those the demo
// must show: mostly reviewed, as on a platform that works.
var stateWeights = []struct {
	state  exchange.State
	weight int
}{
	{exchange.Reviewed, 34}, {exchange.Confirmed, 8}, {exchange.Done, 5}, {exchange.Scheduled, 9}, {exchange.Accepted, 5},
	{exchange.Requested, 9}, {exchange.Declined, 7}, {exchange.Cancelled, 7}, {exchange.Expired, 6}, {exchange.Disputed, 2},
	{exchange.Resolved, 2},
}

// showcaseStates are the states the showcase resident's exchanges reach.
var showcaseStates = []exchange.State{exchange.Reviewed, exchange.Confirmed, exchange.Done, exchange.Scheduled, exchange.Accepted,
	exchange.Requested, exchange.Declined, exchange.Cancelled, exchange.Expired, exchange.Disputed, exchange.Resolved, exchange.Reviewed}

// planExchanges plans tr's exchanges: the showcase members' in every state,
// one in each payment mode, recurring agreements, the mediated ones, every
// state once more, then as many as about nine in ten members, drawn.
func (w *world) planExchanges(tr *terr) {
	var specs []spec
	for i, s := range showcaseStates {
		specs = append(specs, spec{state: s, party: tr.habitant, asProvider: i%3 == 2})
	}
	for _, m := range w.modesOf(tr) {
		sp := spec{state: exchange.Reviewed, mode: m}
		if m == abi.ModeProfessional || m == abi.ModeCESUPrefinance {
			sp.party, sp.asProvider = tr.pro, true
		}
		specs = append(specs, sp)
	}
	for _, s := range []exchange.State{exchange.Done, exchange.Scheduled, exchange.Requested, exchange.Confirmed} {
		specs = append(specs, spec{state: s, party: tr.pro, asProvider: true})
	}
	for _, m := range []string{abi.ModeCESUDeclaratif, abi.ModeTimeCredits} {
		specs = append(specs, spec{state: exchange.Scheduled, mode: m, recurring: true})
	}
	specs = append(specs, w.mediatedSpecs(tr)...)
	for _, s := range exchange.States {
		specs = append(specs, spec{state: s})
	}
	target := int(math.Round(float64(len(tr.members)) * 0.9))
	for len(specs) < target {
		specs = append(specs, spec{state: w.drawState()})
	}
	for _, sp := range specs {
		if pe := w.planExchange(tr, sp); pe != nil {
			tr.exchanges = append(tr.exchanges, pe)
		}
	}
}

// modesOf lists every payment mode some category of tr allows.
func (w *world) modesOf(tr *terr) []string {
	var out []string
	for _, m := range abi.Modes {
		for _, modes := range tr.modes {
			if slices.Contains(modes, m) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

func (w *world) drawState() exchange.State {
	total := 0
	for _, s := range stateWeights {
		total += s.weight
	}
	r := w.rng.IntN(total)
	for _, s := range stateWeights {
		if r < s.weight {
			return s.state
		}
		r -= s.weight
	}
	return exchange.Reviewed
}

// planExchange finds a listing, a time and parties for sp and plans the
// exchange; nil when none fits.
func (w *world) planExchange(tr *terr, sp spec) *plannedExchange {
	for range 40 {
		p := w.path(sp)
		lo, hi := p.endLo.Add(-p.end), p.endHi.Add(-p.end)
		lo = later(lo, w.start.Add(3*day))
		if sp.mediator != nil {
			lo = later(lo, sp.consentAt.Add(time.Hour))
		}
		if !hi.After(lo) {
			continue
		}
		pl := w.pickListing(tr, sp, lo, hi)
		if pl == nil {
			continue
		}
		win, _ := pl.visibleIn(lo, hi)
		// Later requests are likelier: the platform grows.
		r := win.from.Add(time.Duration(math.Sqrt(w.rng.Float64()) * float64(win.to.Sub(win.from))))
		pe := &plannedExchange{t: tr, l: pl, state: sp.state, mediator: sp.mediator}
		if !w.parties(pe, sp, r) {
			continue
		}
		if !w.terms(pe, sp, p) {
			continue
		}
		w.emit(pe, r, p)
		return pe
	}
	return nil
}

// pickListing draws a listing of tr that fits sp and is visible some time
// in [lo, hi].
func (w *world) pickListing(tr *terr, sp spec, lo, hi time.Time) *plannedListing {
	var fit []*plannedListing
	for _, pl := range tr.listings {
		in := &pl.in
		if !in.Publish {
			continue
		}
		if sp.mode != "" && !slices.Contains(in.Modes, sp.mode) {
			continue
		}
		if sp.recurring && (in.Kind != abi.ListingOffer || in.Modality != abi.ModalityResident || in.Category == "mobilite") {
			continue
		}
		if sp.party != nil {
			owns := pl.owner == sp.party
			// The party provides its own offers or answers needs; it seeks
			// through others' offers or its own needs.
			switch {
			case sp.asProvider && in.Kind == abi.ListingOffer && !owns,
				sp.asProvider && in.Kind == abi.ListingNeed && (owns || !w.canProvide(sp.party, pl, sp.mode)),
				!sp.asProvider && in.Kind == abi.ListingOffer && owns,
				!sp.asProvider && in.Kind == abi.ListingNeed && !owns:
				continue
			}
		}
		if sp.mediator != nil && (in.Kind != abi.ListingOffer || pl.owner == sp.party || in.Modality != abi.ModalityResident) {
			continue
		}
		if _, ok := pl.visibleIn(lo, hi); ok {
			fit = append(fit, pl)
		}
	}
	if len(fit) == 0 {
		return nil
	}
	return pick(w, fit)
}

// canProvide reports whether m may answer the need pl in mode ("" any).
//
// A professional declared for services à la personne does not provide
// between residents: the platform would describe them to the plugin as
// declared, which the plugin refuses for the resident modality.
func (w *world) canProvide(m *member, pl *plannedListing, mode string) bool {
	if pl.in.Modality != abi.ModalityProfessional {
		return m.pro == nil || m.pro.sap == ""
	}
	if m.pro == nil {
		return false
	}
	return mode != abi.ModeCESUPrefinance || m.pro.sap != ""
}

// parties chooses the seeker and the provider of pe, requested at r: the
// listing's owner on one side, sp's party or a member nearby on the other.
func (w *world) parties(pe *plannedExchange, sp spec, r time.Time) bool {
	pl := pe.l
	if !pl.owner.verified.Before(r) {
		return false
	}
	var other *member
	switch {
	case sp.party != nil && sp.party != pl.owner:
		other = sp.party
	default:
		other = w.nearby(pe.t, pl, r, func(m *member) bool {
			return m != pl.owner && m != pe.t.habitant && m != pe.t.pro && m.consentFor == nil &&
				(pl.in.Kind == abi.ListingOffer || w.canProvide(m, pl, sp.mode))
		})
	}
	if other == nil || !other.verified.Before(r) {
		return false
	}
	if pl.in.Kind == abi.ListingOffer {
		pe.seeker, pe.provider = other, pl.owner
	} else {
		pe.seeker, pe.provider = pl.owner, other
	}
	return true
}

// nearby draws three members active at r who pass ok, and returns the one
// living nearest to pl's commune.
func (w *world) nearby(tr *terr, pl *plannedListing, r time.Time, ok func(*member) bool) *member {
	active := tr.active(r)
	var best *member
	bestKm := math.Inf(1)
	lat, lon := w.centre(tr, pl.in.Commune)
	for tries, found := 0, 0; tries < 30 && found < 3 && len(active) > 0; tries++ {
		m := pick(w, active)
		if !ok(m) {
			continue
		}
		found++
		if km := referential.DistanceKm(lat, lon, m.lat, m.lon); km < bestKm {
			best, bestKm = m, km
		}
	}
	return best
}

// centre returns the centre of tr's commune insee.
func (w *world) centre(tr *terr, insee string) (lat, lon float64) {
	for _, p := range tr.places {
		if p.INSEE == insee {
			return p.Lat, p.Lng
		}
	}
	return 0, 0
}

// terms sets pe's request: mode, duration, amount, recurrence, checking
// that the time credits it moves stay within both parties' limits.
func (w *world) terms(pe *plannedExchange, sp spec, p path) bool {
	in := &pe.l.in
	modes := in.Modes
	if sp.mode != "" {
		modes = []string{sp.mode}
	}
	if in.Kind == abi.ListingNeed && in.Modality == abi.ModalityProfessional && (pe.provider.pro == nil || pe.provider.pro.sap == "") {
		modes = slices.DeleteFunc(slices.Clone(modes), func(m string) bool { return m == abi.ModeCESUPrefinance })
	}
	if sp.recurring {
		modes = slices.DeleteFunc(slices.Clone(modes), func(m string) bool { return m == abi.ModeCESUPrefinance })
	}
	if len(modes) == 0 {
		return false
	}
	mode := pick(w, modes)
	choices := []int{60, 90, 120, 150, 180}
	if in.Category == "mobilite" {
		choices = []int{45, 60, 90, 120, 150}
	}
	minutes := pick(w, choices)
	occ := 1
	switch {
	case sp.recurring:
		occ = 4
		minutes = pick(w, []int{60, 90, 120})
	case w.chance(0.1):
		occ = 2
	}
	pe.in = exchange.RequestInput{Mode: mode, Minutes: minutes, Occurrences: occ}
	if sp.recurring {
		pe.in.Recurrence = exchange.RecurrenceWeekly
	}
	if mode != abi.ModeFree && mode != abi.ModeTimeCredits && in.PriceKind == abi.PriceHourly {
		pe.in.HourlyCents = in.PriceCents
	}
	if mode == abi.ModeTimeCredits {
		n := minutes * occ
		if sp.recurring {
			n = minutes * 5 * max(p.months, 1)
		}
		if !p.settles && p.months == 0 {
			n = 0
		}
		pol := pe.t.policy
		if pe.seeker.debit+n > pol.WelcomeMinutes-pol.FloorMinutes-60 || pe.provider.credit+n > pol.CeilingMinutes-pol.WelcomeMinutes-60 {
			return false
		}
		pe.seeker.debit += n
		pe.provider.credit += n
	}
	return true
}

// path draws the life of an exchange that ends in sp.state: its moves
// after the request, and when its last one may fall so that the
// platform's timers do what is planned, no more.
func (w *world) path(sp spec) path {
	var p path
	var off time.Duration
	add := func(after time.Duration, what string, do func(ctx context.Context, pe *plannedExchange) error) {
		off += after
		p.moves = append(p.moves, move{off: off, do: do, what: what})
	}
	recent := func(lo time.Duration) { p.endLo, p.endHi = w.now.Add(-lo), w.now.Add(-2*time.Hour) }
	anytime := func() { p.endLo, p.endHi = w.start.Add(5*day), w.now.Add(-2*time.Hour) }
	add(time.Minute, whatMessages, w.say(msgIntro, requesterSide))
	st := sp.state
	if st == exchange.Requested {
		recent(6 * day)
		p.end = off
		return p
	}
	if st == exchange.Expired {
		// Nobody answers: the timer expires it after RequestTTL.
		p.end = exchange.RequestTTL + 26*time.Hour + slack
		anytime()
		return p
	}
	answer := w.minutes(20, 2*24*60)
	if st == exchange.Declined {
		add(answer-2*time.Minute, whatMessages, w.say(msgDecline, counterpartSide))
		add(2*time.Minute, whatExchanges, w.transition(exchange.Decline, counterpartSide))
		p.end = off
		anytime()
		return p
	}
	if st == exchange.Cancelled && w.chance(0.3) {
		add(w.minutes(30, 24*60), whatExchanges, w.transition(exchange.Cancel, requesterSide))
		p.end = off
		anytime()
		return p
	}
	add(answer-2*time.Minute, whatMessages, w.say(msgAccept, counterpartSide))
	add(2*time.Minute, whatExchanges, w.transition(exchange.Accept, counterpartSide))
	add(w.minutes(30, 600), whatExchanges, w.payment(paymentQuote))
	if st == exchange.Accepted {
		p.end = off
		recent(12 * day)
		return p
	}
	if st == exchange.Cancelled && w.chance(0.5) {
		add(w.hours(2, 72), whatExchanges, w.transition(exchange.Cancel, sideOf(w.chance(0.5))))
		p.end = off
		anytime()
		return p
	}
	// Planned a few days ahead.
	lead := w.days(1, 8)
	add(w.minutes(60, 24*60), whatMessages, w.say(msgSchedule, sideOf(w.chance(0.5))))
	add(5*time.Minute, whatExchanges, w.schedule(sideOf(w.chance(0.5))))
	p.serviceOff = off + lead
	if st == exchange.Cancelled {
		add(w.hours(2, 48), whatExchanges, w.transition(exchange.Cancel, sideOf(w.chance(0.5))))
		p.end = off
		anytime()
		return p
	}
	if sp.recurring {
		// Sessions every week since the start; each month recorded by the
		// provider early the next month, then confirmed by both.
		p.months = 1 + w.rng.IntN(2)
		p.end = off
		p.endHi = w.now.Add(-time.Duration(p.months*31+14) * day)
		p.endLo = p.endHi.Add(-30 * day)
		return p
	}
	if st == exchange.Scheduled {
		p.end = off
		recent(8 * day)
		// The service is still to come.
		p.future = true
		return p
	}
	off = p.serviceOff + w.minutes(90, 300)
	p.moves = append(p.moves, move{off: off, what: whatExchanges, do: w.transition(exchange.Complete, providerSide)})
	add(w.minutes(20, 180), whatExchanges, w.payment(paymentInvoice))
	if st == exchange.Done {
		// The timer will confirm it a few days after the demo: its time
		// credits must fit too.
		p.settles = true
		add(w.minutes(30, 600), whatMessages, w.say(msgThanks, seekerSide))
		if w.chance(0.4) {
			add(w.minutes(10, 120), whatExchanges, w.transition(exchange.Confirm, providerSide))
		}
		p.end = off
		recent(6 * day)
		return p
	}
	if st == exchange.Disputed || st == exchange.Resolved {
		if w.chance(0.5) {
			add(w.hours(2, 96), whatMessages, w.say(msgDispute, seekerSide))
			add(10*time.Minute, whatExchanges, w.transition(exchange.Dispute, seekerSide))
		} else {
			add(w.hours(1, 48), whatExchanges, w.transition(exchange.Confirm, seekerSide))
			add(w.hours(1, 48), whatExchanges, w.transition(exchange.Confirm, providerSide))
			p.settles = true
			add(w.hours(2, 96), whatMessages, w.say(msgDispute, providerSide))
			add(10*time.Minute, whatExchanges, w.transition(exchange.Dispute, providerSide))
		}
		if st == exchange.Resolved {
			add(w.hours(20, 120), whatExchanges, w.resolve())
		}
		p.end = off
		anytime()
		return p
	}
	add(w.minutes(30, 600), whatMessages, w.say(msgThanks, seekerSide))
	done := off
	var confirmed time.Duration
	p.settles = true
	if w.chance(0.15) {
		// One party confirms; the timer confirms for the other.
		add(w.hours(1, 72), whatExchanges, w.transition(exchange.Confirm, sideOf(w.chance(0.5))))
		confirmed = done + exchange.ConfirmAfter + 26*time.Hour + slack
		off = confirmed
	} else {
		add(w.hours(1, 72), whatExchanges, w.transition(exchange.Confirm, seekerSide))
		add(w.hours(1, 60), whatExchanges, w.transition(exchange.Confirm, providerSide))
		confirmed = off
	}
	add(time.Minute, whatExchanges, w.payment(paymentSettlement))
	if st == exchange.Confirmed {
		if w.chance(0.3) {
			add(w.hours(2, 48), whatExchanges, w.review(seekerSide))
		}
		p.end = off
		p.endLo, p.endHi = w.now.Add(-11*day), w.now.Add(-2*time.Hour)
		return p
	}
	switch r := w.rng.IntN(10); {
	case r < 7: // both review: the reviews are published together
		add(w.hours(2, 96), whatExchanges, w.review(seekerSide))
		add(w.hours(2, 96), whatExchanges, w.review(providerSide))
		p.end = off
	case r < 9: // one reviews; the window closes on the timer
		add(w.hours(2, 96), whatExchanges, w.review(sideOf(r == 7)))
		p.end = confirmed + exchange.ReviewWindow + 26*time.Hour + slack
	default: // nobody reviews
		p.end = confirmed + exchange.ReviewWindow + 26*time.Hour + slack
	}
	anytime()
	return p
}

// Sides of an exchange, for moves planned before the parties are known.
type side int

const (
	seekerSide side = iota
	providerSide
	requesterSide
	counterpartSide
)

func sideOf(seeker bool) side {
	if seeker {
		return seekerSide
	}
	return providerSide
}

func (pe *plannedExchange) who(s side) *member {
	switch s {
	case seekerSide:
		return pe.seeker
	case requesterSide:
		return pe.requester()
	case counterpartSide:
		return pe.counterpart()
	}
	return pe.provider
}

// emit plans pe's request at r and its moves.
func (w *world) emit(pe *plannedExchange, r time.Time, p path) {
	tr := pe.t
	w.at(r, whatExchanges, func(ctx context.Context) error {
		pe.in.ListingID = pe.l.id
		req := pe.requester()
		done, err := w.mediated(ctx, pe, req, "exchange", "create", "POST /api/v1/t/:territory/exchanges")
		if err != nil {
			return err
		}
		x, err := w.svc.actions.RequestExchange(ctx, tr.t, w.caller(pe, req), pe.in)
		done(err)
		if err != nil {
			return fmt.Errorf("request %q (%s, %s) by %s: %w", pe.l.in.Title, pe.in.Mode, pe.state, req.email, err)
		}
		pe.id, pe.x = x.ID, x
		return nil
	})
	for _, mv := range p.moves {
		w.at(r.Add(mv.off), mv.what, func(ctx context.Context) error { return mv.do(ctx, pe) })
	}
	pe.service = r.Add(p.serviceOff)
	if p.future {
		pe.service = later(pe.service, w.now.Add(3*time.Hour+w.days(0, 6)))
	}
	// In the day, on a quarter of an hour.
	pe.service = human(pe.service).Truncate(15 * time.Minute)
	pe.ref = 1 + w.rng.IntN(900)
	if p.months > 0 {
		w.months(pe, p.months)
	}
}

// caller is m acting in pe, or their mediator for them.
func (w *world) caller(pe *plannedExchange, m *member) exchange.Caller {
	c := exchange.Caller{AccountID: m.id, Commune: m.commune}
	if pe.mediator != nil && m == pe.seeker {
		c.MediatorID = pe.mediator.id
	}
	return c
}

// mediated records, when pe's seeker acts through their mediator, the
// action before it runs (as the API does); done records its outcome.
func (w *world) mediated(ctx context.Context, pe *plannedExchange, m *member, obj, act, route string) (func(error), error) {
	if pe.mediator == nil || m != pe.seeker {
		return func(error) {}, nil
	}
	id, err := w.svc.mediation.Begin(ctx, pe.t.t.ID, pe.mediator.id, m.id, obj, act, route)
	if err != nil {
		return nil, err
	}
	return func(err error) {
		status := 200
		switch {
		case err != nil:
			status = apperr.As(err).Kind.HTTPStatus()
		case act == "create" || act == "send":
			status = 201
		}
		_ = w.svc.mediation.Finish(ctx, id, status)
	}, nil
}

// transition is a move applying ev by the member on side s.
func (w *world) transition(ev exchange.Event, s side) func(ctx context.Context, pe *plannedExchange) error {
	note := w.noteFor(ev)
	return func(ctx context.Context, pe *plannedExchange) error {
		return w.act(ctx, pe, pe.who(s), ev, exchange.TransitionInput{Note: note})
	}
}

func (w *world) act(ctx context.Context, pe *plannedExchange, m *member, ev exchange.Event, in exchange.TransitionInput) error {
	obj, act := "exchange", "act"
	switch ev {
	case exchange.Review:
		obj, act = "review", "create"
	case exchange.Cancel:
		act = "cancel"
	}
	done, err := w.mediated(ctx, pe, m, obj, act, "POST /api/v1/t/:territory/exchanges/:id/"+string(ev))
	if err != nil {
		return err
	}
	_, err = w.svc.exchanges.Transition(ctx, pe.t.t, w.caller(pe, m), pe.id, ev, in)
	done(err)
	if err != nil {
		return fmt.Errorf("%s exchange %s (%s, %s) by %s: %w", ev, pe.id, pe.in.Mode, pe.state, m.email, err)
	}
	return nil
}

// schedule is the move fixing the service's date.
func (w *world) schedule(s side) func(ctx context.Context, pe *plannedExchange) error {
	return func(ctx context.Context, pe *plannedExchange) error {
		at := pe.service
		return w.act(ctx, pe, pe.who(s), exchange.Schedule, exchange.TransitionInput{ScheduledAt: &at})
	}
}

// resolve is the territory admin settling a dispute.
func (w *world) resolve() func(ctx context.Context, pe *plannedExchange) error {
	note := w.noteFor(exchange.Resolve)
	return func(ctx context.Context, pe *plannedExchange) error {
		admin := pe.t.admin
		_, c, err := w.svc.actions.Caller(ctx, pe.t.t.Slug, admin.id, "")
		if err != nil {
			return err
		}
		_, err = w.svc.exchanges.Transition(ctx, pe.t.t, c, pe.id, exchange.Resolve, exchange.TransitionInput{Note: note})
		return err
	}
}

// review is the move of the member on side s reviewing the other.
func (w *world) review(s side) func(ctx context.Context, pe *plannedExchange) error {
	rating := pick(w, []int{5, 5, 5, 5, 4, 4, 4, 3, 2})
	comment := w.reviewText(rating)
	return func(ctx context.Context, pe *plannedExchange) error {
		return w.act(ctx, pe, pe.who(s), exchange.Review, exchange.TransitionInput{Rating: rating, Comment: comment})
	}
}

// months plans n months of a recurring agreement: each recorded by the
// provider the 2nd of the next month, confirmed by both the same day, and
// settled.
func (w *world) months(pe *plannedExchange, n int) {
	tr := pe.t
	for i := range n {
		first := time.Date(pe.service.Year(), pe.service.Month()+time.Month(i), 1, 0, 0, 0, 0, time.UTC)
		month := first.Format("2006-01")
		sessions := 4 + w.rng.IntN(2)
		at := first.AddDate(0, 1, 1).Add(time.Duration(8+w.rng.IntN(4)) * time.Hour)
		w.at(at, whatExchanges, func(ctx context.Context) error {
			_, err := w.svc.exchanges.RecordMonth(ctx, tr.t, w.caller(pe, pe.provider), pe.id, exchange.MonthInput{Month: month, Sessions: sessions})
			return err
		})
		for k, m := range []*member{pe.seeker, pe.provider} {
			w.at(at.Add(time.Duration(2+5*k)*time.Hour), whatExchanges, func(ctx context.Context) error {
				_, err := w.svc.exchanges.ConfirmMonth(ctx, tr.t, w.caller(pe, m), pe.id, month)
				return err
			})
		}
	}
}
