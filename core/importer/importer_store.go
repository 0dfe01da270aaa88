package importer

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"
)

// Statuses of an import.
const (
	// StatusHeld is a validated file waiting for its application (the web
	// page's second step).
	StatusHeld = "held"
	// StatusApplied is an import written.
	StatusApplied = "applied"
)

// Import is one import of a file into a territory.
type Import struct {
	bun.BaseModel `bun:"table:imports"`

	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// Kind is KindListings or KindBusinesses; Status StatusHeld or
	// StatusApplied.
	Kind   string `bun:"kind,notnull" json:"kind"`
	Status string `bun:"status,notnull" json:"status"`
	// FileName and FileSHA256 identify the file; Mapping is the mapping
	// used, as JSON.
	FileName   string `bun:"file_name,notnull" json:"file_name"`
	FileSHA256 string `bun:"file_sha256,notnull" json:"file_sha256"`
	Mapping    string `bun:"mapping,notnull" json:"-"`
	// Content is the held file, base64; cleared once applied.
	Content *string `bun:"content" json:"-"`
	// LineCount counts the file's data lines; CreatedCount the rows this
	// import created; SkippedCount the rows imported before.
	LineCount    int `bun:"line_count,notnull" json:"line_count"`
	CreatedCount int `bun:"created_count,notnull" json:"created_count"`
	SkippedCount int `bun:"skipped_count,notnull" json:"skipped_count"`
	// CreatedBy is the account ID of the admin, or "command".
	CreatedBy string     `bun:"created_by,notnull" json:"-"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	AppliedAt *time.Time `bun:"applied_at" json:"applied_at,omitempty"`
}

// rowRecord is one imported row: its key, and what it became.
type rowRecord struct {
	bun.BaseModel `bun:"table:import_rows"`

	TerritoryID  string  `bun:"territory_id,pk"`
	RowKey       string  `bun:"row_key,pk"`
	ImportID     string  `bun:"import_id,notnull"`
	Line         int     `bun:"line,notnull"`
	ListingID    *string `bun:"listing_id"`
	BusinessID   *string `bun:"business_id"`
	ContactName  *string `bun:"contact_name"`
	ContactEmail *string `bun:"contact_email"`
	ContactPhone *string `bun:"contact_phone"`
}

// Business is one business of a territory's census.
type Business struct {
	bun.BaseModel `bun:"table:census_businesses"`

	ID          string `bun:"id,pk" json:"id"`
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	ImportID    string `bun:"import_id,notnull" json:"-"`
	CompanyName string `bun:"company_name,notnull" json:"company_name"`
	SIRET       string `bun:"siret,notnull" json:"siret"`
	NAF         string `bun:"naf,notnull" json:"naf,omitempty"`
	SAPNumber   string `bun:"sap_number,notnull" json:"sap_number,omitempty"`
	// Commune is the INSEE code.
	Commune  string `bun:"commune,notnull" json:"commune"`
	Services string `bun:"services,notnull" json:"services,omitempty"`
	// ContactName, ContactEmail and ContactPhone are cleared
	// ContactRetention after the import.
	ContactName  *string   `bun:"contact_name" json:"contact_name,omitempty"`
	ContactEmail *string   `bun:"contact_email" json:"contact_email,omitempty"`
	ContactPhone *string   `bun:"contact_phone" json:"contact_phone,omitempty"`
	CreatedAt    time.Time `bun:"created_at,notnull" json:"created_at"`
}

func (k rowKey) String() string { return hex.EncodeToString(k[:]) }

func mappingJSON(m *Mapping) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("import: encode the mapping: %w", err)
	}
	return b, nil
}

// keyBatch bounds the keys looked up in one query. Each batch is a new
// statement, which PostgreSQL prepares: few large ones cost far less than
// many small ones (100,000 keys: 1.6 s in batches of 5,000, 14 s in
// batches of 500).
const keyBatch = 5000

// importedKeys returns which of keys territoryID has imported already.
func importedKeys(ctx context.Context, db bun.IDB, territoryID string, keys []rowKey) (map[rowKey]bool, error) {
	out := map[rowKey]bool{}
	batch := make([]string, 0, keyBatch)
	for start := 0; start < len(keys); start += keyBatch {
		batch = batch[:0]
		for _, k := range keys[start:min(start+keyBatch, len(keys))] {
			batch = append(batch, k.String())
		}
		var found []string
		err := db.NewSelect().Model((*rowRecord)(nil)).Column("row_key").Where("territory_id = ?", territoryID).
			Where("row_key IN (?)", bun.In(batch)).Scan(ctx, &found)
		if err != nil {
			return nil, fmt.Errorf("import: look up imported rows: %w", err)
		}
		for _, h := range found {
			var k rowKey
			if _, err := hex.Decode(k[:], []byte(h)); err == nil {
				out[k] = true
			}
		}
	}
	return out, nil
}

// keys returns the keys of rep's rows.
func (r *Report) keys() []rowKey {
	keys := make([]rowKey, 0, len(r.listings)+len(r.businesses))
	for i := range r.listings {
		keys = append(keys, r.listings[i].key)
	}
	for i := range r.businesses {
		keys = append(keys, r.businesses[i].key)
	}
	return keys
}

// skipImported drops from rep the rows imported before, counting them.
func (s *Service) skipImported(ctx context.Context, rep *Report) error {
	done, err := importedKeys(ctx, s.store.DB(), rep.territoryID, rep.keys())
	if err != nil || len(done) == 0 {
		return err
	}
	before := len(rep.listings) + len(rep.businesses)
	rep.listings = slices.DeleteFunc(rep.listings, func(r listingRecord) bool { return done[r.key] })
	rep.businesses = slices.DeleteFunc(rep.businesses, func(r businessRecord) bool { return done[r.key] })
	rep.Ready = len(rep.listings) + len(rep.businesses)
	rep.Already += before - rep.Ready
	return nil
}

// Imports returns territoryID's latest imports, newest first.
func (s *Service) Imports(ctx context.Context, territoryID string, limit int) ([]Import, error) {
	var out []Import
	err := s.store.DB().NewSelect().Model(&out).ExcludeColumn("content").Where("territory_id = ?", territoryID).
		Where("status = ?", StatusApplied).OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: list imports: %w", err)
	}
	return out, nil
}

// MaxBusinesses bounds one read of the census.
const MaxBusinesses = 10_000

// Businesses returns territoryID's census, by company name (at most
// MaxBusinesses).
func (s *Service) Businesses(ctx context.Context, territoryID string) ([]Business, error) {
	var out []Business
	err := s.store.DB().NewSelect().Model(&out).Where("territory_id = ?", territoryID).
		OrderExpr("company_name, id").Limit(int64(MaxBusinesses)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: list businesses: %w", err)
	}
	return out, nil
}

// Purged counts what Purge did.
type Purged struct {
	// Held counts the held files deleted; Contacts the rows whose contact
	// was cleared.
	Held, Contacts int64
}

// Purge deletes the held files older than HeldRetention and clears the
// contacts imported more than ContactRetention ago. Run it from the
// periodic retention job; it is one transaction and idempotent.
func (s *Service) Purge(ctx context.Context) (Purged, error) {
	var p Purged
	now := s.clock()
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		p = Purged{}
		res, err := tx.NewDelete().Model((*Import)(nil)).Where("status = ?", StatusHeld).Where("created_at < ?", now.Add(-HeldRetention)).Exec(ctx)
		if err != nil {
			return err
		}
		p.Held, _ = res.RowsAffected()
		old := tx.NewSelect().Model((*Import)(nil)).Column("id").Where("status = ?", StatusApplied).Where("applied_at < ?", now.Add(-ContactRetention))
		for _, model := range []any{(*rowRecord)(nil), (*Business)(nil)} {
			res, err := tx.NewUpdate().Model(model).Set("contact_name = NULL").Set("contact_email = NULL").Set("contact_phone = NULL").
				Where("import_id IN (?)", old).
				Where("(contact_name IS NOT NULL OR contact_email IS NOT NULL OR contact_phone IS NOT NULL)").Exec(ctx)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			p.Contacts += n
		}
		return nil
	})
	if err != nil {
		return Purged{}, fmt.Errorf("import: purge: %w", err)
	}
	return p, nil
}
