package privacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/campagnon/campagnon/core/store"
)

// Section is one domain's part of a person's data: accounts, roles,
// mediation, and later listings, exchanges, messages and the search index.
// Each domain package provides its own; core/app hands them to NewService.
type Section struct {
	// Name keys the section in the export ("account", "roles", …).
	Name string
	// Export returns what the section holds about accountID, read from db.
	Export func(ctx context.Context, db bun.IDB, accountID string) (any, error)
	// Erase removes or pseudonymises the section's personal data of
	// accountID in tx, keeping what another person's history and every
	// ledger need (under pseudonymous IDs). All sections erase in one
	// transaction: an erasure is whole or not at all.
	Erase func(ctx context.Context, tx bun.Tx, accountID string, now time.Time) error
	// AfterErase, when set, runs after the transaction committed: for what
	// lives outside the database (memory caches, the search index). It
	// must be idempotent; an error is returned but the erasure stands.
	AfterErase func(ctx context.Context, accountID string) error
}

// Service exports and erases a person's data and keeps the log of staff
// reads of personal data.
type Service struct {
	store    *store.Store
	sections []Section
	now      func() time.Time
}

// NewService returns a Service over s with the given sections, exported
// and erased in that order; now may be nil (the clock).
func NewService(s *store.Store, now func() time.Time, sections ...Section) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: s, sections: sections, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Export is a person's data, as the "my data" export gives it.
type Export struct {
	// GeneratedAt is when the export was made.
	GeneratedAt time.Time `json:"generated_at"`
	// AccountID is the person's account.
	AccountID string `json:"account_id"`
	// Sections holds each domain's data, in the service's order.
	Sections []ExportSection `json:"sections"`
	// StaffAccess lists the reads of the person's data by staff.
	StaffAccess []Access `json:"staff_access"`
}

// ExportSection is one domain's data in an export.
type ExportSection struct {
	Name string `json:"name"`
	Data any    `json:"data"`
}

// Export gathers what every section holds about accountID, and who among
// the staff read it, in one read transaction (a consistent picture).
func (s *Service) Export(ctx context.Context, accountID string) (*Export, error) {
	out := &Export{GeneratedAt: s.clock(), AccountID: accountID, Sections: []ExportSection{}}
	err := s.store.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for _, sec := range s.sections {
			if sec.Export == nil {
				continue
			}
			data, err := sec.Export(ctx, tx, accountID)
			if err != nil {
				return fmt.Errorf("section %s: %w", sec.Name, err)
			}
			out.Sections = append(out.Sections, ExportSection{Name: sec.Name, Data: data})
		}
		var err error
		out.StaffAccess, err = accessesOf(ctx, tx, accountID, maxAccessList)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("privacy: export %s: %w", accountID, err)
	}
	return out, nil
}

// Erase runs every section's erasure of accountID in one transaction, then
// their AfterErase steps. The caller has checked that the person asked for
// it (password and explicit confirmation).
func (s *Service) Erase(ctx context.Context, accountID string) error {
	now := s.clock()
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		for _, sec := range s.sections {
			if sec.Erase == nil {
				continue
			}
			if err := sec.Erase(ctx, tx, accountID, now); err != nil {
				return fmt.Errorf("section %s: %w", sec.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("privacy: erase %s: %w", accountID, err)
	}
	var errs []string
	for _, sec := range s.sections {
		if sec.AfterErase == nil {
			continue
		}
		if err := sec.AfterErase(ctx, accountID); err != nil {
			errs = append(errs, sec.Name+": "+err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("privacy: erased %s in the database, but: %s", accountID, strings.Join(errs, "; "))
	}
	return nil
}

// Access is one read of personal data by staff (a territory admin, a
// mediator, an operator), recorded in the append-only log.
type Access struct {
	bun.BaseModel `bun:"table:personal_data_access"`

	// ID identifies the record (time-ordered).
	ID string `bun:"id,pk" json:"id"`
	// At is when the data was read.
	At time.Time `bun:"at,notnull" json:"at"`
	// StaffID is who read it.
	StaffID string `bun:"staff_id,notnull" json:"staff_id"`
	// Territory is the territory slug the read was made in.
	Territory string `bun:"territory,notnull" json:"territory"`
	// SubjectID is whose data was read; nil for a list of several people.
	SubjectID *string `bun:"subject_id" json:"subject_id,omitempty"`
	// What names what was read, such as "members.list".
	What string `bun:"what,notnull" json:"what"`
	// RequestID is the HTTP request's ID, to find it in the logs.
	RequestID string `bun:"request_id,notnull" json:"request_id"`
}

// maxAccessList bounds one page of the access log.
const maxAccessList = 1000

// RecordAccess appends a to the log; its ID and time are set here. A read
// of several people's data is recorded once per person (subjects), so
// each one sees it in their export; with no subject, once without one.
func (s *Service) RecordAccess(ctx context.Context, a Access, subjects ...string) error {
	now := s.clock()
	var rows []Access
	if len(subjects) == 0 {
		a.ID, a.At = uuid.Must(uuid.NewV7()).String(), now
		rows = append(rows, a)
	}
	for _, sub := range subjects {
		r := a
		r.ID, r.At, r.SubjectID = uuid.Must(uuid.NewV7()).String(), now, &sub
		rows = append(rows, r)
	}
	err := s.store.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewInsert().Model(&rows).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("privacy: record staff access: %w", err)
	}
	return nil
}

// AccessesIn returns the latest staff reads made in territory, newest first.
func (s *Service) AccessesIn(ctx context.Context, territory string, limit int) ([]Access, error) {
	if limit < 1 || limit > maxAccessList {
		limit = maxAccessList
	}
	out := []Access{}
	err := s.store.DB().NewSelect().Model(&out).Where("territory = ?", territory).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("privacy: read the staff access log of %s: %w", territory, err)
	}
	return out, nil
}

func accessesOf(ctx context.Context, db bun.IDB, subject string, limit int) ([]Access, error) {
	out := []Access{}
	err := db.NewSelect().Model(&out).Where("subject_id = ?", subject).OrderExpr("id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the staff access log: %w", err)
	}
	return out, nil
}
