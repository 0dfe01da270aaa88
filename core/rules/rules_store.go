package rules

import (
	"time"

	"github.com/uptrace/bun"
)

// moduleRow is one stored plugin module.
type moduleRow struct {
	bun.BaseModel `bun:"table:plugin_modules"`

	Hash      string    `bun:"hash,pk"`
	PluginID  string    `bun:"plugin_id,notnull"`
	Version   string    `bun:"version,notnull"`
	ABI       int       `bun:"abi,notnull"`
	Size      int       `bun:"size,notnull"`
	Wasm      []byte    `bun:"wasm,notnull"`
	Signature []byte    `bun:"signature"`
	Manifest  string    `bun:"manifest,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// rulesRow is the module and configuration a territory runs.
type rulesRow struct {
	bun.BaseModel `bun:"table:territory_rules"`

	TerritoryID string    `bun:"territory_id,pk"`
	ModuleHash  string    `bun:"module_hash,notnull"`
	Config      string    `bun:"config,notnull"`
	ConfigHash  string    `bun:"config_hash,notnull"`
	UpdatedAt   time.Time `bun:"updated_at,notnull"`
	UpdatedBy   string    `bun:"updated_by,notnull"`
}

// configRow is a configuration that was once in force, by its hash.
type configRow struct {
	bun.BaseModel `bun:"table:plugin_configs"`

	Hash      string    `bun:"hash,pk"`
	Config    string    `bun:"config,notnull"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// QuoteRecord is a stored quote with the plugin and configuration that made it.
type QuoteRecord struct {
	bun.BaseModel `bun:"table:quotes"`

	// ID identifies the quote.
	ID string `bun:"id,pk" json:"id"`
	// TerritoryID is the territory's internal ID.
	TerritoryID string `bun:"territory_id,notnull" json:"-"`
	// PluginID is the plugin's manifest id.
	PluginID string `bun:"plugin_id,notnull" json:"plugin_id"`
	// PluginVersion is the plugin's manifest version.
	PluginVersion string `bun:"plugin_version,notnull" json:"plugin_version"`
	// ModuleHash is the SHA-256 of the module that computed the quote.
	ModuleHash string `bun:"module_hash,notnull" json:"module_hash"`
	// ConfigHash is the SHA-256 of the territory configuration used.
	ConfigHash string `bun:"config_hash,notnull" json:"config_hash"`
	// Category is the category priced.
	Category string `bun:"category,notnull" json:"category"`
	// Mode is the payment mode priced.
	Mode string `bun:"mode,notnull" json:"mode"`
	// TotalCents is the quote's total.
	TotalCents int64 `bun:"total_cents,notnull" json:"total_cents"`
	// Request is the plugin's input, as JSON.
	Request string `bun:"request,notnull" json:"-"`
	// Result is the plugin's quote, as JSON.
	Result string `bun:"result,notnull" json:"-"`
	// CreatedAt is when the quote was made.
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
}
