package api

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/territory"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Actions are the steps the JSON API and the web pages (core/web) both
// take, written once: verifying an account (memberships, welcome credits),
// who calls in a territory, requesting an exchange on a listing.
type Actions struct {
	d Deps
}

// NewActions returns the actions over d's services.
func NewActions(d Deps) *Actions { return &Actions{d: d} }

// Verify confirms an account's address with its token and makes it a
// member of its commune's territory: resident, and professional too for a
// professional's account; a new member receives the welcome time credits
// their territory's plugin states, once.
func (a *Actions) Verify(ctx context.Context, token string) (*account.Account, error) {
	acc, err := a.d.Accounts.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	t, err := a.d.Territories.ByID(ctx, acc.TerritoryID)
	if err != nil {
		return nil, err
	}
	roles := []string{authz.RoleResident}
	if acc.Professional {
		roles = append(roles, authz.RoleProfessional)
	}
	for _, role := range roles {
		if err := a.d.Authz.GrantMembership(ctx, acc.ID, role, t.Slug, "verify"); err != nil {
			return nil, fmt.Errorf("grant %s in %s: %w", role, t.Slug, err)
		}
	}
	a.welcome(ctx, t.ID, acc.ID)
	return acc, nil
}

// welcome credits a new member with the welcome time credits their
// territory's plugin states, once (the idempotency key). The account is
// verified whatever happens here: a failure is logged, and the next
// verification of the same account (a new link) tries again.
func (a *Actions) welcome(ctx context.Context, territoryID, accountID string) {
	p, err := a.d.Rules.TimeCredits(ctx, territoryID)
	if err == nil && (p == nil || p.WelcomeMinutes == 0) {
		return
	}
	if err == nil {
		_, err = a.d.Ledger.Transfer(ctx, ledger.TransferInput{TerritoryID: territoryID, Kind: ledger.KindWelcome,
			From: ledger.TerritoryAccount, To: accountID, Minutes: int64(p.WelcomeMinutes), Memo: "Crédits de bienvenue",
			Actor: "system:welcome", Idempotency: "welcome:" + accountID}, ledger.LimitsOf(p))
	}
	if err != nil {
		slog.ErrorContext(ctx, "welcome time credits not given", "account", accountID, "error", err)
	}
}

// Caller is who acts in territory slug: the account actor (or the
// resident a mediator acts for), whether they administer its exchanges,
// and the mediator ("" when none).
func (a *Actions) Caller(ctx context.Context, slug, actor, mediator string) (*territory.Territory, exchange.Caller, error) {
	t, err := a.d.Territories.Lookup(ctx, slug, false)
	if err != nil {
		return nil, exchange.Caller{}, err
	}
	acc, err := a.d.Accounts.Account(ctx, actor)
	if err != nil {
		return nil, exchange.Caller{}, err
	}
	admin, _ := a.d.Authz.Allowed(actor, t.Slug, "exchange", "read")
	return t, exchange.Caller{AccountID: acc.ID, Commune: acc.Commune, Admin: admin, MediatorID: mediator}, nil
}

// RequestExchange asks for the listing of in.ListingID: the provider is
// the offer's owner, or the caller answering a need.
func (a *Actions) RequestExchange(ctx context.Context, t *territory.Territory, who exchange.Caller, in exchange.RequestInput) (*exchange.Exchange, error) {
	v, err := a.d.Listings.Get(ctx, t, who.AccountID, false, in.ListingID)
	if err != nil {
		return nil, err
	}
	providerID := v.OwnerID
	if v.Kind == abi.ListingNeed {
		providerID = who.AccountID
	}
	provider, err := a.d.Accounts.Account(ctx, providerID)
	if err != nil {
		return nil, err
	}
	return a.d.Exchanges.Request(ctx, t, v.Listing, who, in, provider.Professional && provider.SAPNumber != nil)
}
