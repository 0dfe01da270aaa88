package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/campagnon/campagnon/core/apperr"
)

// MaxMembersPage bounds one page of Members.
const MaxMembersPage = 200

// Members returns up to limit (1 to MaxMembersPage) verified accounts of
// territoryID whose name or address contains q (any when q is empty),
// sorted by name. Every query is scoped to the territory.
func (s *Service) Members(ctx context.Context, territoryID, q string, limit int) ([]Account, error) {
	if limit < 1 || limit > MaxMembersPage {
		limit = MaxMembersPage
	}
	q = strings.ToLower(strings.TrimSpace(q))
	if len(q) > 100 || !printable(q) {
		return nil, apperr.New(apperr.KindInvalid, "query_invalid",
			"Recherche invalide : 100 caractères au plus, sans caractère de contrôle.",
			"Invalid search: at most 100 characters, no control character.")
	}
	out := []Account{}
	sel := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", territoryID).
		Where("erased_at IS NULL").Where("email_verified_at IS NOT NULL").
		OrderExpr("display_name, id").Limit(int64(limit))
	if q != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
		sel = sel.Where(`(LOWER(display_name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`, like, like)
	}
	if err := sel.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

// Member returns the verified account id of territoryID; an account of
// another territory is not found, like an unknown one.
func (s *Service) Member(ctx context.Context, territoryID, id string) (*Account, error) {
	a := new(Account)
	err := s.store.DB().NewSelect().Model(a).Where("id = ?", id).Where("territory_id = ?", territoryID).
		Where("erased_at IS NULL").Where("email_verified_at IS NOT NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.KindNotFound, "member_not_found",
			"Membre introuvable sur ce territoire.", "No such member in this territory.")
	}
	if err != nil {
		return nil, fmt.Errorf("look up member: %w", err)
	}
	return a, nil
}

// PublicProfessional is what anyone may see of a professional: the
// platform must show that the offer comes from a professional (Code de la
// consommation, art. L111-7), with the business's identity.
type PublicProfessional struct {
	ID string `json:"id"`
	// Label is always "professionnel".
	Label       string  `json:"label"`
	CompanyName string  `json:"company_name"`
	SIRET       string  `json:"siret"`
	NAF         *string `json:"naf,omitempty"`
	// SAPNumber is the services-à-la-personne declaration, when there is one.
	SAPNumber *string `json:"sap_number,omitempty"`
	Commune   string  `json:"commune"`
}

// Professional returns the public profile of professional id in territoryID.
func (s *Service) Professional(ctx context.Context, territoryID, id string) (*PublicProfessional, error) {
	a, err := s.Member(ctx, territoryID, id)
	if err != nil {
		return nil, err
	}
	if !a.Professional || a.CompanyName == nil || a.SIRET == nil {
		return nil, apperr.New(apperr.KindNotFound, "professional_not_found",
			"Professionnel introuvable sur ce territoire.", "No such professional in this territory.")
	}
	return &PublicProfessional{ID: a.ID, Label: "professionnel", CompanyName: *a.CompanyName, SIRET: *a.SIRET,
		NAF: a.NAF, SAPNumber: a.SAPNumber, Commune: a.Commune}, nil
}

// APITokens lists the account's API tokens in force (not revoked, not
// expired), newest first.
func (s *Service) APITokens(ctx context.Context, accountID string) ([]APIToken, error) {
	var rows []tokenRow
	err := s.store.DB().NewSelect().Model(&rows).Where("account_id = ?", accountID).Where("purpose = ?", PurposeAPI).
		Where("revoked_at IS NULL").Where("expires_at > ?", s.now()).OrderExpr("created_at DESC").Limit(maxExportRows).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	out := make([]APIToken, len(rows))
	for i := range rows {
		out[i] = *apiToken(&rows[i])
	}
	return out, nil
}

// ByEmail returns the verified account whose address is email (normalised);
// an unknown, unverified or erased one is not found. For operators'
// commands run on the server, never for a public route (it tells whether an
// address exists).
func (s *Service) ByEmail(ctx context.Context, email string) (*Account, error) {
	norm, ok := NormalizeEmail(email)
	a := new(Account)
	err := sql.ErrNoRows
	if ok {
		err = s.store.DB().NewSelect().Model(a).Where("email = ?", norm).
			Where("erased_at IS NULL").Where("email_verified_at IS NOT NULL").Scan(ctx)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.KindNotFound, "account_not_found",
			fmt.Sprintf("Aucun compte vérifié pour l'adresse %q : la personne doit d'abord s'inscrire et confirmer son adresse.", email),
			fmt.Sprintf("No verified account for %q: the person must first sign up and confirm their address.", email))
	}
	if err != nil {
		return nil, fmt.Errorf("look up account by email: %w", err)
	}
	return a, nil
}
