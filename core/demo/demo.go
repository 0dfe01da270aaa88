// Package demo installs a living platform on a new database: members of
// the pilot territories spread over their real communes in proportion to
// their population, professionals with valid SIRET and SAP numbers,
// mediators and a territory admin per pilot, offers and needs in every
// category of each territory's plugin, exchanges in every state and every
// payment mode the plugins allow, with their messages, reviews, payment
// records, recurring months and time-credit ledgers — a few months of
// history, so that a newcomer sees Campagnon as it will be.
//
// Everything goes through the domain services, as the pages and the API
// do: sign-up and verification (memberships and welcome credits through
// the shared api.Actions), listings validated by the territory's plugin,
// exchanges through the state machine with quotes frozen by the plugin,
// time credits settled by the exchanges' settlement hook, messages with
// their email notices, consents and mediated actions, reports and
// moderation. No row is written by hand, so every invariant the services
// keep holds (`campagnon ledger check` passes).
//
// The history is simulated: the services read a clock that the demo moves
// forward from Options.Now minus Options.Days to Options.Now, one action
// after the other in time order, and once a simulated day it runs the
// server's periodic jobs (listing expiry and reminders, the exchanges'
// timers, retention, CESU reminders). Requests nobody answered therefore
// expire, done exchanges are confirmed by the timer, and listings expire,
// exactly as they would have. The demo delivers its own emails as it
// writes them (they are marked sent, never handed to a mail server: the
// addresses are fictitious), so that a server started afterwards sends
// none of them.
//
// The same seed, member count and Now give the same data (names, emails,
// communes, texts, states, amounts and dates; not the random identifiers
// and tokens). Seed refuses a database that already has accounts.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/app"
	"github.com/campagnon/campagnon/core/apperr"
)

// Defaults of Options.
const (
	// DefaultMembers is the number of members of the demo, over both
	// pilots: about 300 in the Picardie Verte and 150 in the Portes de
	// Sologne, in proportion to their population.
	DefaultMembers = 450
	// DefaultDays is the length of the simulated history.
	DefaultDays = 120
	// MinMembersPerTerritory is the fewest members a territory gets: its
	// staff, its showcase members and enough people to exchange with.
	MinMembersPerTerritory = 16
	// MaxMembers bounds Options.Members, so that a demo seeds in minutes
	// at most.
	MaxMembers = 5000
)

// Password is the password of every demo account; it is printed with the
// logins. The demo's accounts are hashed with light argon2id parameters
// (the password is public anyway) and rehashed with the platform's
// parameters at their first login.
const Password = "campagnon-demo"

// Domain is the email domain of the demo's accounts.
const Domain = "demo.campagnon.fr"

// Pilots returns the slugs of the territories seeded when
// Options.Territories is empty.
func Pilots() []string { return []string{"picardie-verte", "portes-de-sologne"} }

// Options adjust Seed; zero fields take the defaults.
type Options struct {
	// Seed makes the data: the same seed gives the same demo.
	Seed uint64
	// Members is the number of members over all the seeded territories,
	// shared in proportion to their population (DefaultMembers; at least
	// MinMembersPerTerritory per territory, at most MaxMembers in all).
	Members int
	// Territories are the slugs of the territories to seed (Pilots()).
	// They must exist and be active, with their plugins loaded.
	Territories []string
	// Now is the end of the simulated history (time.Now()).
	Now time.Time
	// Days is the length of the history (DefaultDays, 70 to 365).
	Days int
	// Progress, when set, is told of each action done, of total, and what
	// kind of action it was ("inscriptions", "annonces", "échanges"…).
	Progress func(done, total int, what string)
}

// ErrNotEmpty is the cause of the error Seed returns for a database that
// already has accounts.
var ErrNotEmpty = errors.New("demo: the database already has accounts")

// notEmpty is the public form of ErrNotEmpty.
func notEmpty() error {
	return apperr.Wrap(ErrNotEmpty, apperr.KindConflict, "demo_not_empty",
		"La base contient déjà des comptes : la démo ne s'installe que sur une base neuve.",
		"The database already has accounts: the demo installs only on a new database.")
}

// Empty reports whether the database of a has no account at all, the
// only state Seed accepts.
func Empty(ctx context.Context, a *app.App) (bool, error) {
	exists, err := a.Store.DB().NewSelect().Model((*account.Account)(nil)).Limit(1).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: look for accounts: %w", err)
	}
	return !exists, nil
}

// Seed installs the demo on a's database, which must be migrated, with its
// territories created and their rules started (app.Bootstrap), and hold no
// account. It returns what it installed. A failure midway leaves what was
// written so far: start again on a new database.
func Seed(ctx context.Context, a *app.App, o Options) (*Summary, error) {
	start := time.Now()
	if a.Authz == nil {
		return nil, errors.New("demo: the application is not started (call Bootstrap first)")
	}
	o, err := o.normalize()
	if err != nil {
		return nil, err
	}
	empty, err := Empty(ctx, a)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, notEmpty()
	}
	w, err := newWorld(ctx, a, o)
	if err != nil {
		return nil, err
	}
	w.plan()
	if err := w.run(ctx); err != nil {
		return nil, err
	}
	if err := w.index(ctx); err != nil {
		return nil, err
	}
	s, err := w.summary(ctx)
	if err != nil {
		return nil, err
	}
	s.Elapsed = time.Since(start)
	return s, nil
}

// normalize applies the defaults and checks the bounds.
func (o Options) normalize() (Options, error) {
	if o.Members == 0 {
		o.Members = DefaultMembers
	}
	if len(o.Territories) == 0 {
		o.Territories = Pilots()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Second)
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	switch {
	case o.Members < MinMembersPerTerritory*len(o.Territories) || o.Members > MaxMembers:
		return o, apperr.New(apperr.KindInvalid, "demo_members",
			fmt.Sprintf("Nombre de membres de la démo refusé : de %d à %d pour %d territoire(s).", MinMembersPerTerritory*len(o.Territories), MaxMembers, len(o.Territories)),
			fmt.Sprintf("Demo member count refused: %d to %d for %d territory(ies).", MinMembersPerTerritory*len(o.Territories), MaxMembers, len(o.Territories)))
	case o.Days < 70 || o.Days > 365:
		return o, apperr.New(apperr.KindInvalid, "demo_days",
			"Durée de l'historique de la démo refusée : de 70 à 365 jours.", "Demo history length refused: 70 to 365 days.")
	}
	return o, nil
}
