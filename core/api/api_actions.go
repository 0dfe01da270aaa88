package api

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/authz"
	"github.com/campagnon/campagnon/core/cesu"
	"github.com/campagnon/campagnon/core/exchange"
	"github.com/campagnon/campagnon/core/ledger"
	"github.com/campagnon/campagnon/core/mediation"
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
	// A declared professional helping as a resident is a resident there:
	// services à la personne concern professional exchanges only.
	sap := provider.Professional && provider.SAPNumber != nil && v.Modality == abi.ModalityProfessional
	return a.d.Exchanges.Request(ctx, t, v.Listing, who, in, sap)
}

// Erase erases the account accountID and its personal data once the
// person confirmed (SUPPRIMER or ERASE) with their password.
func (a *Actions) Erase(ctx context.Context, accountID, password, confirm string) error {
	if confirm != "SUPPRIMER" && confirm != "ERASE" {
		return apperr.New(apperr.KindInvalid, "erase_unconfirmed",
			"La suppression est définitive : pour confirmer, écrivez SUPPRIMER dans le champ « confirm » avec votre mot de passe.",
			"Erasure cannot be undone: to confirm, write ERASE in the \"confirm\" field with your password.")
	}
	if err := a.d.Accounts.CheckPassword(ctx, accountID, password); err != nil {
		return err
	}
	return a.d.Privacy.Erase(ctx, accountID)
}

// RecordConsent records the consent a resident of t gave mediator; an
// unknown or unverified resident is reported like any other problem.
func (a *Actions) RecordConsent(ctx context.Context, t *territory.Territory, mediator string, in mediation.ConsentInput) (*mediation.Consent, error) {
	resident := mediation.Member{}
	if validAccountID(in.ResidentID) {
		acc, err := a.d.Accounts.Member(ctx, t.ID, in.ResidentID)
		if err != nil && apperr.KindOf(err) != apperr.KindNotFound {
			return nil, err
		}
		if err == nil {
			resident = mediation.Member{ID: acc.ID, TerritoryID: acc.TerritoryID, Usable: acc.Verified()}
		}
	}
	return a.d.Mediation.RecordConsent(ctx, t.ID, mediator, resident, in)
}

// CESU returns accountID's CESU déclaratif month in t, each activity named
// as the territory's plugin names its category's service à la personne.
func (a *Actions) CESU(ctx context.Context, t *territory.Territory, accountID string, month cesu.Month) (*exchange.CESUView, error) {
	cats, err := a.d.Rules.Categories(ctx, t.Slug)
	if err != nil {
		return nil, err
	}
	activity := func(category string) string {
		for _, cat := range cats.Categories {
			if cat.ID == category && cat.SAP.Activity != "" {
				if r := []rune(cat.SAP.Activity); len(r) > cesu.MaxActivityRunes {
					return string(r[:cesu.MaxActivityRunes-1]) + "…"
				}
				return cat.SAP.Activity
			}
		}
		return category
	}
	return a.d.Exchanges.CESU(ctx, t, accountID, month, activity)
}

// ChangeRole gives (add) or takes a role in territory to accountID, as
// actor; core/authz checks actor's right to the change. The account must
// exist (it may live elsewhere: a France Services mediator serves several
// communes).
func (a *Actions) ChangeRole(ctx context.Context, actor, accountID, role, territory string, add bool) error {
	if !validAccountID(accountID) {
		return apperr.New(apperr.KindInvalid, "account_id_invalid", "Identifiant de compte invalide.", "Invalid account ID.")
	}
	if _, err := a.d.Accounts.Account(ctx, accountID); err != nil {
		return err
	}
	change := a.d.Authz.RemoveRole
	if add {
		change = a.d.Authz.AddRole
	}
	if err := change(ctx, actor, accountID, role, territory); err != nil {
		return authzError(err)
	}
	return nil
}
