package territory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/core/store"
)

// maxCommunes bounds a custom territory; the largest EPCI has a few hundred communes.
const maxCommunes = 2000

// maxNameLen bounds a territory's name, in bytes.
const maxNameLen = 200

// Service creates, lists and changes territories.
type Service struct {
	store *store.Store
	ref   *referential.Referential
	now   func() time.Time
}

// NewService returns a Service over the given store and national referential.
func NewService(s *store.Store, ref *referential.Referential) *Service {
	return &Service{store: s, ref: ref, now: func() time.Time { return time.Now().UTC() }}
}

// CreateOptions adjusts a new territory.
type CreateOptions struct {
	// Slug overrides the slug derived from the name.
	Slug string
	// Name overrides the EPCI's official name.
	Name string
}

// CreateFromEPCI creates the territory of one EPCI from its SIREN code, with
// all its member communes, in one transaction.
func (s *Service) CreateFromEPCI(ctx context.Context, siren string, o CreateOptions) (*Detail, error) {
	siren = strings.TrimSpace(siren)
	e, ok := s.ref.EPCI(siren)
	if !ok {
		return nil, apperr.New(apperr.KindNotFound, "epci_unknown",
			fmt.Sprintf("EPCI %q inconnu du référentiel national : vérifiez le code SIREN à 9 chiffres (par exemple 200005932 pour la CC des Portes de Sologne), ou cherchez-le avec « campagnon territory epci NOM ».", siren),
			fmt.Sprintf("EPCI %q is not in the national referential: check the 9-digit SIREN code, or look it up with `campagnon territory epci NAME`.", siren))
	}
	name := e.Name
	if o.Name != "" {
		name = o.Name
	}
	sirenCopy := e.SIREN
	slugs := []string{o.Slug}
	if o.Slug == "" {
		slugs = s.EPCISlugs(e)
	}
	return s.create(ctx, name, KindEPCI, &sirenCopy, e.Members, slugs)
}

// EPCISlugs returns the slugs an EPCI's territory may take, in order of
// preference: the one derived from its name, then the same followed by its
// main département ("sud-974"), since a few EPCI in France share a name.
func (s *Service) EPCISlugs(e *referential.EPCI) []string {
	base := SlugFromName(e.Name)
	counts := map[string]int{}
	main := ""
	for _, code := range e.Members {
		c, ok := s.ref.Commune(code)
		if !ok {
			continue
		}
		counts[c.Departement]++
		if n := counts[c.Departement]; n > counts[main] || (n == counts[main] && c.Departement < main) {
			main = c.Departement
		}
	}
	if main == "" {
		return []string{base}
	}
	return []string{base, strings.ToLower(base + "-" + main)}
}

// CreateCustom creates a territory from a name and a list of INSEE codes, in one transaction.
func (s *Service) CreateCustom(ctx context.Context, name string, insee []string, o CreateOptions) (*Detail, error) {
	return s.create(ctx, name, KindCustom, nil, insee, []string{o.Slug})
}

// create writes a territory in one transaction. slugs are the candidate
// slugs in order of preference: the first one free is taken; an empty one
// is derived from the name.
func (s *Service) create(ctx context.Context, name, kind string, siren *string, codes []string, slugs []string) (*Detail, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > maxNameLen {
		return nil, apperr.New(apperr.KindInvalid, "territory_name_invalid",
			fmt.Sprintf("Le nom du territoire doit compter de 1 à %d caractères.", maxNameLen),
			fmt.Sprintf("The territory name must be 1 to %d characters long.", maxNameLen))
	}
	if len(slugs) == 1 && slugs[0] == "" {
		slugs = []string{SlugFromName(name)}
	}
	slug := slugs[0]
	if !ValidSlug(slug) {
		return nil, apperr.New(apperr.KindInvalid, "territory_slug_invalid",
			fmt.Sprintf("Identifiant d'URL %q refusé : 2 à 63 lettres minuscules, chiffres et tirets simples (par exemple portes-de-sologne). Indiquez-en un avec --slug.", slug),
			fmt.Sprintf("URL slug %q refused: 2 to 63 lowercase letters, digits and single hyphens. Give one with --slug.", slug))
	}
	communes, err := s.resolve(codes)
	if err != nil {
		return nil, err
	}
	now := s.now()
	t := &Territory{
		ID: uuid.Must(uuid.NewV7()).String(), Slug: slug, Name: name, Kind: kind, EPCISIREN: siren,
		Status: StatusActive, CommuneCount: len(communes), CreatedAt: now, UpdatedAt: now,
	}
	rows := make([]communeRow, len(communes))
	for i, c := range communes {
		t.Population += c.Population
		rows[i] = communeRow{TerritoryID: t.ID, INSEE: c.INSEE}
	}
	err = s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, candidate := range slugs[1:] {
			taken, err := tx.NewSelect().Model((*Territory)(nil)).Where("slug = ?", t.Slug).Exists(ctx)
			if err != nil {
				return fmt.Errorf("look up territory %s: %w", t.Slug, err)
			}
			if !taken {
				break
			}
			t.Slug = candidate
		}
		if err := s.checkFree(ctx, tx, t, rows); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return fmt.Errorf("insert territory %s: %w", t.Slug, err)
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("insert communes of territory %s: %w", t.Slug, err)
		}
		return nil
	})
	if store.IsUniqueViolation(err) {
		// Another writer created the same slug, EPCI or commune between
		// checkFree and the insert (PostgreSQL replicas at start).
		return nil, apperr.Wrap(err, apperr.KindConflict, "territory_concurrent",
			fmt.Sprintf("Le territoire %q (ou l'une de ses communes) vient d'être créé par ailleurs : consultez « campagnon territory list ».", t.Slug),
			fmt.Sprintf("Territory %q (or one of its communes) was just created elsewhere: see `campagnon territory list`.", t.Slug))
	}
	if err != nil {
		return nil, err
	}
	codes = make([]string, len(communes))
	for i, c := range communes {
		codes[i] = c.INSEE
	}
	return s.detail(t, codes), nil
}

// resolve checks every INSEE code against the referential and refuses
// duplicates, reporting every unknown code at once.
func (s *Service) resolve(codes []string) ([]*referential.Commune, error) {
	if len(codes) == 0 || len(codes) > maxCommunes {
		return nil, apperr.New(apperr.KindInvalid, "territory_communes_count",
			fmt.Sprintf("Un territoire compte de 1 à %d communes (reçu : %d).", maxCommunes, len(codes)),
			fmt.Sprintf("A territory has 1 to %d communes (got %d).", maxCommunes, len(codes)))
	}
	seen := make(map[string]bool, len(codes))
	var unknown, dup []string
	out := make([]*referential.Commune, 0, len(codes))
	for _, code := range codes {
		code = strings.TrimSpace(code)
		if seen[code] {
			dup = append(dup, code)
			continue
		}
		seen[code] = true
		c, ok := s.ref.Commune(code)
		if !ok {
			unknown = append(unknown, code)
			continue
		}
		out = append(out, c)
	}
	if len(unknown) > 0 {
		list := strings.Join(limitList(unknown, 10), ", ")
		return nil, apperr.New(apperr.KindInvalid, "insee_unknown",
			fmt.Sprintf("%d code(s) INSEE inconnu(s) du référentiel national : %s. Vérifiez chaque code (5 caractères, par exemple 45116 pour La Ferté-Saint-Aubin) ; une commune fusionnée prend le code de la commune nouvelle.", len(unknown), list),
			fmt.Sprintf("%d INSEE code(s) not in the national referential: %s. Check each code (5 characters); a merged commune takes the code of the new commune.", len(unknown), list))
	}
	if len(dup) > 0 {
		list := strings.Join(limitList(dup, 10), ", ")
		return nil, apperr.New(apperr.KindInvalid, "insee_duplicate",
			fmt.Sprintf("Code(s) INSEE en double : %s. Chaque commune ne figure qu'une fois.", list),
			fmt.Sprintf("Duplicate INSEE code(s): %s. List each commune once.", list))
	}
	return out, nil
}

// checkFree refuses a territory whose slug or EPCI is taken or one of whose
// communes already belongs to another territory. The unique constraints in
// the schema enforce the same rules; this check turns them into clear messages.
func (s *Service) checkFree(ctx context.Context, tx bun.Tx, t *Territory, rows []communeRow) error {
	var existing Territory
	err := tx.NewSelect().Model(&existing).Where("slug = ?", t.Slug).Limit(1).Scan(ctx)
	switch {
	case err == nil:
		return apperr.New(apperr.KindConflict, "territory_exists",
			fmt.Sprintf("Le territoire %q existe déjà (%s). Choisissez un autre identifiant avec --slug, ou consultez-le avec « campagnon territory show %s ».", t.Slug, existing.Name, t.Slug),
			fmt.Sprintf("Territory %q already exists (%s). Choose another slug with --slug.", t.Slug, existing.Name))
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("look up territory %s: %w", t.Slug, err)
	}
	if t.EPCISIREN != nil {
		err := tx.NewSelect().Model(&existing).Where("epci_siren = ?", *t.EPCISIREN).Limit(1).Scan(ctx)
		switch {
		case err == nil:
			return apperr.New(apperr.KindConflict, "territory_epci_exists",
				fmt.Sprintf("L'EPCI %s a déjà son territoire « %s » (%s).", *t.EPCISIREN, existing.Name, existing.Slug),
				fmt.Sprintf("EPCI %s already has its territory %q (%s).", *t.EPCISIREN, existing.Name, existing.Slug))
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look up EPCI %s: %w", *t.EPCISIREN, err)
		}
	}
	codes := make([]string, len(rows))
	for i, r := range rows {
		codes[i] = r.INSEE
	}
	var taken []struct {
		INSEE string `bun:"insee"`
		Slug  string `bun:"slug"`
	}
	err = tx.NewSelect().TableExpr("territory_communes AS tc").
		ColumnExpr("tc.insee, t.slug").
		Join("JOIN territories AS t ON t.id = tc.territory_id").
		Where("tc.insee IN (?)", bun.In(codes)).Limit(10).Scan(ctx, &taken)
	if err != nil {
		return fmt.Errorf("look up communes already in a territory: %w", err)
	}
	if len(taken) > 0 {
		parts := make([]string, len(taken))
		for i, tk := range taken {
			name := tk.INSEE
			if c, ok := s.ref.Commune(tk.INSEE); ok {
				name = fmt.Sprintf("%s (%s)", c.Name, c.INSEE)
			}
			parts[i] = fmt.Sprintf("%s dans « %s »", name, tk.Slug)
		}
		return apperr.New(apperr.KindConflict, "commune_taken",
			"Une commune n'appartient qu'à un territoire ; déjà rattachée(s) : "+strings.Join(parts, ", ")+".",
			"A commune belongs to one territory only; already attached: "+strings.Join(parts, ", ")+".")
	}
	return nil
}

// Ensure creates the territory of the EPCI when it has none yet and reports
// whether it did. It is how the configured pilot territories appear at start.
func (s *Service) Ensure(ctx context.Context, siren string) (bool, error) {
	exists, err := s.store.DB().NewSelect().Model((*Territory)(nil)).Where("epci_siren = ?", siren).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("look up territory of EPCI %s: %w", siren, err)
	}
	if exists {
		return false, nil
	}
	if _, err := s.CreateFromEPCI(ctx, siren, CreateOptions{}); err != nil {
		if apperr.KindOf(err) != apperr.KindConflict {
			return false, err
		}
		// A conflict is fine only if it is this EPCI's territory that now
		// exists (another replica created it first); a commune or slug
		// taken by another territory must be reported.
		exists, lookupErr := s.store.DB().NewSelect().Model((*Territory)(nil)).Where("epci_siren = ?", siren).Exists(ctx)
		if lookupErr != nil {
			return false, fmt.Errorf("look up territory of EPCI %s: %w", siren, lookupErr)
		}
		if !exists {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// ListOptions filters List.
type ListOptions struct {
	// IncludeDisabled lists disabled territories too.
	IncludeDisabled bool
}

// List returns the territories sorted by name.
func (s *Service) List(ctx context.Context, o ListOptions) ([]Territory, error) {
	var ts []Territory
	q := s.store.DB().NewSelect().Model(&ts).Order("name", "slug")
	if !o.IncludeDisabled {
		q = q.Where("status = ?", StatusActive)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list territories: %w", err)
	}
	return ts, nil
}

// Get returns the territory named by slug with its communes; a disabled
// territory is found only when includeDisabled is set.
func (s *Service) Get(ctx context.Context, slug string, includeDisabled bool) (*Detail, error) {
	t, err := s.find(ctx, s.store.DB(), slug)
	if err != nil {
		return nil, err
	}
	if !includeDisabled && !t.Active() {
		return nil, notFound(slug)
	}
	var codes []string
	err = s.store.DB().NewSelect().Model((*communeRow)(nil)).Column("insee").
		Where("territory_id = ?", t.ID).Scan(ctx, &codes)
	if err != nil {
		return nil, fmt.Errorf("communes of territory %s: %w", slug, err)
	}
	return s.detail(t, codes), nil
}

// Lookup returns the territory named by slug, without its communes; a
// disabled territory is found only when includeDisabled is set.
func (s *Service) Lookup(ctx context.Context, slug string, includeDisabled bool) (*Territory, error) {
	t, err := s.find(ctx, s.store.DB(), slug)
	if err != nil {
		return nil, err
	}
	if !includeDisabled && !t.Active() {
		return nil, notFound(slug)
	}
	return t, nil
}

// SlugOfEPCI returns the slug of the EPCI's territory.
func (s *Service) SlugOfEPCI(ctx context.Context, siren string) (string, error) {
	var slug string
	err := s.store.DB().NewSelect().Model((*Territory)(nil)).Column("slug").Where("epci_siren = ?", siren).Limit(1).Scan(ctx, &slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", apperr.New(apperr.KindNotFound, "territory_of_epci_missing",
			fmt.Sprintf("L'EPCI %s n'a pas de territoire : créez-le avec « campagnon territory create --epci %s ».", siren, siren),
			fmt.Sprintf("EPCI %s has no territory: create it with `campagnon territory create --epci %s`.", siren, siren))
	}
	if err != nil {
		return "", fmt.Errorf("look up territory of EPCI %s: %w", siren, err)
	}
	return slug, nil
}

// ByID returns the territory with this internal ID, active or not.
func (s *Service) ByID(ctx context.Context, id string) (*Territory, error) {
	t := new(Territory)
	err := s.store.DB().NewSelect().Model(t).Where("id = ?", id).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("look up territory %s: %w", id, err)
	}
	return t, nil
}

// SetStatus disables or re-enables a territory.
func (s *Service) SetStatus(ctx context.Context, slug, status string) (*Territory, error) {
	if status != StatusActive && status != StatusDisabled {
		return nil, apperr.New(apperr.KindInvalid, "territory_status_invalid",
			fmt.Sprintf("Statut %q inconnu : active ou disabled.", status),
			fmt.Sprintf("Unknown status %q: active or disabled.", status))
	}
	var t *Territory
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if t, err = s.find(ctx, tx, slug); err != nil {
			return err
		}
		t.Status, t.UpdatedAt = status, s.now()
		_, err = tx.NewUpdate().Model(t).Column("status", "updated_at").WherePK().Exec(ctx)
		if err != nil {
			return fmt.Errorf("update territory %s: %w", slug, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (s *Service) find(ctx context.Context, db bun.IDB, slug string) (*Territory, error) {
	if !ValidSlug(slug) {
		return nil, notFound(slug)
	}
	t := new(Territory)
	err := db.NewSelect().Model(t).Where("slug = ?", slug).Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(slug)
	}
	if err != nil {
		return nil, fmt.Errorf("look up territory %s: %w", slug, err)
	}
	return t, nil
}

func notFound(slug string) error {
	return apperr.New(apperr.KindNotFound, "territory_not_found",
		fmt.Sprintf("Territoire %q introuvable. La liste des territoires : « campagnon territory list » ou GET /api/v1/territories.", slug),
		fmt.Sprintf("Territory %q not found. List them with `campagnon territory list` or GET /api/v1/territories.", slug))
}

// detail builds a Detail from the referential, communes sorted by name.
func (s *Service) detail(t *Territory, codes []string) *Detail {
	d := &Detail{Territory: *t, Communes: make([]Commune, 0, len(codes))}
	for _, code := range codes {
		c, ok := s.ref.Commune(code)
		if !ok {
			d.Communes = append(d.Communes, Commune{INSEE: code, Name: code})
			continue
		}
		tc := Commune{INSEE: c.INSEE, Name: c.Name, Departement: c.Departement,
			PostalCodes: c.PostalCodes, Population: c.Population}
		if c.HasCentre {
			tc.Centre = &Point{Lat: c.Lat, Lon: c.Lon}
		}
		d.Communes = append(d.Communes, tc)
	}
	keys := make(map[string]string, len(d.Communes))
	for _, c := range d.Communes {
		keys[c.INSEE] = referential.Normalize(c.Name)
	}
	sort.Slice(d.Communes, func(i, j int) bool {
		return keys[d.Communes[i].INSEE] < keys[d.Communes[j].INSEE]
	})
	return d
}

func limitList(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("… (%d de plus)", len(s)-n))
}

// HasCommune reports whether the commune (INSEE code) belongs to the territory.
func (s *Service) HasCommune(ctx context.Context, territoryID, insee string) (bool, error) {
	ok, err := s.store.DB().NewSelect().Model((*communeRow)(nil)).
		Where("territory_id = ?", territoryID).Where("insee = ?", insee).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("territory: look up commune %s: %w", insee, err)
	}
	return ok, nil
}

// OfCommune returns the active territory that commune insee belongs to, or
// nil when it has none (the commune is not open on Campagnon yet).
func OfCommune(ctx context.Context, db bun.IDB, insee string) (*Territory, error) {
	t := new(Territory)
	err := db.NewSelect().Model(t).
		Join("JOIN territory_communes AS tc ON tc.territory_id = territory.id").
		Where("tc.insee = ?", insee).Where("territory.status = ?", StatusActive).
		Limit(1).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up territory of commune %s: %w", insee, err)
	}
	return t, nil
}

// OfCommune returns the active territory of commune insee, or nil.
func (s *Service) OfCommune(ctx context.Context, insee string) (*Territory, error) {
	return OfCommune(ctx, s.store.DB(), insee)
}
