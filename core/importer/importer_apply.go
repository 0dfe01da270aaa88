package importer

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/listing"
	"github.com/campagnon/campagnon/core/store"
	"github.com/campagnon/campagnon/core/territory"
)

// Applied is what Apply wrote.
type Applied struct {
	// ImportID is the import's row in imports; empty when there was
	// nothing to create (nothing is written then).
	ImportID string
	// Created counts the listings or census records created; Skipped the
	// rows found imported already when the transaction ran.
	Created, Skipped int
}

// writeBatch bounds the rows of one INSERT.
const writeBatch = 400

// CommandActor is the CreatedBy of the imports made by the command line.
const CommandActor = "command"

var errNotClean = apperr.New(apperr.KindInvalid, "import_not_clean",
	"Ce fichier a des problèmes à corriger : rien n'a été importé. Corrigez les lignes signalées puis importez-le de nouveau.",
	"This file has problems to fix: nothing was imported. Fix the lines reported, then import it again.")

// Apply writes a clean report of Validate into t in one transaction: all
// of its rows or none. Rows imported since Validate are skipped, so two
// applications of one report create its rows once. by is the admin's
// account ID, or CommandActor; progress may be nil.
func (s *Service) Apply(ctx context.Context, t *territory.Territory, rep *Report, by string, progress Progress) (*Applied, error) {
	return s.apply(ctx, t, rep, by, "", progress)
}

func (s *Service) apply(ctx context.Context, t *territory.Territory, rep *Report, by, heldID string, progress Progress) (*Applied, error) {
	if !rep.OK() {
		return nil, errNotClean
	}
	if rep.territoryID != t.ID {
		return nil, apperr.New(apperr.KindInvalid, "import_territory", "Ce rapport a été établi pour un autre territoire : validez le fichier de nouveau.",
			"This report was made for another territory: validate the file again.")
	}
	var out *Applied
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		out, err = s.write(ctx, tx, t, rep, by, heldID, progress)
		return err
	})
	if err != nil {
		if apperr.KindOf(err) != apperr.KindInternal {
			return nil, err
		}
		return nil, fmt.Errorf("import into %s: %w", t.Slug, err)
	}
	return out, nil
}

// write is Apply's transaction.
func (s *Service) write(ctx context.Context, tx bun.Tx, t *territory.Territory, rep *Report, by, heldID string, progress Progress) (*Applied, error) {
	now := s.clock()
	keys := rep.keys()
	done, err := importedKeys(ctx, tx, t.ID, keys)
	if err != nil {
		return nil, err
	}
	total := int64(len(keys) - len(done))
	if total == 0 && heldID == "" {
		// Everything is there already: nothing to record.
		return &Applied{Skipped: rep.Already + len(done)}, nil
	}
	imp := &Import{ID: heldID, TerritoryID: t.ID, Kind: rep.Kind, Status: StatusApplied, FileName: rep.FileName, FileSHA256: rep.SHA256,
		Mapping: string(rep.mapping), LineCount: rep.Lines, CreatedCount: int(total), SkippedCount: rep.Already + len(done),
		CreatedBy: by, CreatedAt: now, AppliedAt: &now}
	if heldID == "" {
		imp.ID = newID()
		if _, err := tx.NewInsert().Model(imp).Returning("NULL").Exec(ctx); err != nil {
			return nil, err
		}
	} else {
		res, err := tx.NewUpdate().Model(imp).Column("status", "content", "created_count", "skipped_count", "applied_at").
			Where("id = ?", heldID).Where("territory_id = ?", t.ID).Where("status = ?", StatusHeld).Exec(ctx)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, errHeldGone
		}
	}
	w := &writer{tx: tx, imp: imp, rep: rep, now: now, progress: progress, total: total}
	if rep.Kind == KindListings && total > 0 {
		if w.owner, err = s.importAccount(ctx, tx, t, now); err != nil {
			return nil, err
		}
	}
	for i := range rep.listings {
		if r := &rep.listings[i]; !done[r.key] {
			if err := w.listing(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	for i := range rep.businesses {
		if r := &rep.businesses[i]; !done[r.key] {
			if err := w.business(ctx, r); err != nil {
				return nil, err
			}
		}
	}
	if err := w.flush(ctx); err != nil {
		return nil, err
	}
	return &Applied{ImportID: imp.ID, Created: int(total), Skipped: imp.SkippedCount}, nil
}

var errHeldGone = apperr.New(apperr.KindNotFound, "import_held_gone",
	"Ce fichier n'est plus en attente : il a déjà été importé, ou il a attendu plus de 24 heures. Déposez-le de nouveau.",
	"This file is no longer waiting: it was imported already, or it waited more than 24 hours. Upload it again.")

// writer batches the rows of one import.
type writer struct {
	tx         bun.Tx
	imp        *Import
	rep        *Report
	owner      string
	now        time.Time
	progress   Progress
	total      int64
	written    int64
	listings   []listing.Listing
	businesses []Business
	rows       []rowRecord
}

func (w *writer) listing(ctx context.Context, r *listingRecord) error {
	id := newID()
	at := time.Unix(r.at, 0).UTC()
	exp := at.Add(listing.Lifetime)
	w.listings = append(w.listings, listing.Listing{ID: id, TerritoryID: w.imp.TerritoryID, OwnerID: w.owner, Kind: kindCodes[r.kind],
		Category: w.rep.names[r.category], Modality: modalityCodes[r.modality], Title: r.title, Description: r.description,
		Modes: modeList(r.modes), PriceKind: priceCodes[r.priceKind], PriceCents: int64(r.priceCents), Commune: w.rep.names[r.commune],
		Availability: "[]", Status: listing.StatusClosed, PublishedAt: &at, ExpiresAt: &exp, CreatedAt: w.now, UpdatedAt: w.now})
	w.row(r.key, r.line, &id, nil, r.contact)
	if len(w.listings) >= writeBatch {
		return w.flush(ctx)
	}
	return nil
}

func (w *writer) business(ctx context.Context, r *businessRecord) error {
	id := newID()
	b := Business{ID: id, TerritoryID: w.imp.TerritoryID, ImportID: w.imp.ID, CompanyName: r.company, SIRET: r.siret,
		NAF: r.naf, SAPNumber: r.sap, Commune: r.commune, Services: r.services, CreatedAt: w.now}
	if c := r.contact; c != nil {
		b.ContactName, b.ContactEmail, b.ContactPhone = orNil(c.name), orNil(c.email), orNil(c.phone)
	}
	w.businesses = append(w.businesses, b)
	w.row(r.key, r.line, nil, &id, nil)
	if len(w.businesses) >= writeBatch {
		return w.flush(ctx)
	}
	return nil
}

// row records the key of an imported row, with the respondent's contact
// when it may be kept.
func (w *writer) row(k rowKey, line int32, listingID, businessID *string, c *contact) {
	rr := rowRecord{TerritoryID: w.imp.TerritoryID, RowKey: k.String(), ImportID: w.imp.ID, Line: int(line), ListingID: listingID, BusinessID: businessID}
	if c != nil {
		rr.ContactName, rr.ContactEmail, rr.ContactPhone = orNil(c.name), orNil(c.email), orNil(c.phone)
	}
	w.rows = append(w.rows, rr)
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// flush writes the rows gathered, the listings and records before the
// import rows that point at them.
func (w *writer) flush(ctx context.Context) error {
	if len(w.listings) > 0 {
		if _, err := w.tx.NewInsert().Model(&w.listings).Returning("NULL").Exec(ctx); err != nil {
			return fmt.Errorf("insert listings: %w", err)
		}
	}
	if len(w.businesses) > 0 {
		if _, err := w.tx.NewInsert().Model(&w.businesses).Returning("NULL").Exec(ctx); err != nil {
			if isUnique(err) {
				return errConcurrent
			}
			return fmt.Errorf("insert census: %w", err)
		}
	}
	if len(w.rows) > 0 {
		if _, err := w.tx.NewInsert().Model(&w.rows).Returning("NULL").Exec(ctx); err != nil {
			if isUnique(err) {
				return errConcurrent
			}
			return fmt.Errorf("insert import rows: %w", err)
		}
	}
	w.written += int64(len(w.rows))
	w.listings, w.businesses, w.rows = w.listings[:0], w.businesses[:0], w.rows[:0]
	if w.progress != nil {
		w.progress(PhaseWrite, w.written, w.total)
	}
	return ctx.Err()
}

var errConcurrent = apperr.New(apperr.KindConflict, "import_concurrent",
	"Une autre importation des mêmes lignes vient d'avoir lieu : rien n'a été importé. Validez le fichier de nouveau, il ne créera que ce qui manque.",
	"Another import of the same rows just happened: nothing was imported. Validate the file again: it will create only what is missing.")

// importEmail is the address of t's import account: under the reserved
// .invalid domain (RFC 2606), it can receive nothing.
func importEmail(t *territory.Territory) string {
	return "formulaires@" + t.Slug + ".import.campagnon.invalid"
}

// ImportAccountName is the display name of a territory's import account.
func ImportAccountName(t *territory.Territory) string {
	name := "Formulaires — " + t.Name
	for len(name) > 100 {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	return name
}

// importAccount returns the ID of t's import account, creating it in tx
// when missing (see the package documentation).
func (s *Service) importAccount(ctx context.Context, tx bun.Tx, t *territory.Territory, now time.Time) (string, error) {
	email := importEmail(t)
	var id string
	err := tx.NewSelect().Model((*account.Account)(nil)).Column("id").Where("email = ?", email).Scan(ctx, &id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	d, err := s.territories.Get(ctx, t.Slug, true)
	if err != nil {
		return "", err
	}
	if len(d.Communes) == 0 {
		return "", fmt.Errorf("territory %s has no commune", t.Slug)
	}
	commune := d.Communes[0].INSEE
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", err
	}
	hash, err := credential.HashContext(ctx, hex.EncodeToString(secret), credential.OWASPParams)
	if err != nil {
		return "", err
	}
	a := &account.Account{ID: newID(), Email: email, EmailVerifiedAt: &now, PasswordHash: hash, DisplayName: ImportAccountName(t),
		Commune: commune, TerritoryID: t.ID, CreatedAt: now, UpdatedAt: now}
	// A concurrent import may create it first: its row is then the one.
	if _, err := tx.NewInsert().Model(a).On("CONFLICT (email) DO NOTHING").Returning("NULL").Exec(ctx); err != nil {
		return "", fmt.Errorf("create the import account: %w", err)
	}
	if err := tx.NewSelect().Model((*account.Account)(nil)).Column("id").Where("email = ?", email).Scan(ctx, &id); err != nil {
		return "", fmt.Errorf("read the import account: %w", err)
	}
	return id, nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Hold keeps the file of a clean report (content, as validated) for
// ApplyHeld, for HeldRetention; it returns the held import's ID.
func (s *Service) Hold(ctx context.Context, t *territory.Territory, rep *Report, content []byte, by string) (string, error) {
	if !rep.OK() {
		return "", errNotClean
	}
	enc := base64.StdEncoding.EncodeToString(content)
	imp := &Import{ID: newID(), TerritoryID: t.ID, Kind: rep.Kind, Status: StatusHeld, FileName: rep.FileName, FileSHA256: rep.SHA256,
		Mapping: string(rep.mapping), Content: &enc, LineCount: rep.Lines, CreatedBy: by, CreatedAt: s.clock()}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(imp).Returning("NULL").Exec(ctx)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("import: hold %s: %w", rep.FileName, err)
	}
	return imp.ID, nil
}

// ApplyHeld validates the held import id of t again (the territory may
// have changed since) and applies it when it is still clean; otherwise it
// returns the new report and no Applied.
func (s *Service) ApplyHeld(ctx context.Context, t *territory.Territory, id, by string, progress Progress) (*Report, *Applied, error) {
	imp := new(Import)
	err := s.store.DB().NewSelect().Model(imp).Where("id = ?", id).Where("territory_id = ?", t.ID).
		Where("status = ?", StatusHeld).Where("created_at >= ?", s.clock().Add(-HeldRetention)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && imp.Content == nil) {
		return nil, nil, errHeldGone
	}
	if err != nil {
		return nil, nil, fmt.Errorf("import: read held %s: %w", id, err)
	}
	content, err := base64.StdEncoding.DecodeString(*imp.Content)
	if err != nil {
		return nil, nil, fmt.Errorf("import: decode held %s: %w", id, err)
	}
	m, err := ParseMapping([]byte(imp.Mapping))
	if err != nil {
		return nil, nil, err
	}
	rep, err := s.Validate(ctx, t, File{Name: imp.FileName, Data: bytes.NewReader(content), Size: int64(len(content))}, m, progress)
	if err != nil || !rep.OK() {
		return rep, nil, err
	}
	done, err := s.apply(ctx, t, rep, by, id, progress)
	return rep, done, err
}

func isUnique(err error) bool { return store.IsUniqueViolation(err) }
