// Command standard is Campagnon's standard territory plugin: every rule is
// driven by the territory's configuration (categories, price grid, payment
// modes, travel and mileage, commission, subsidies, solidarity reduction,
// legal amounts with their effective dates), so that a new territory needs
// no code. An empty configuration is config.default.json, embedded here:
// the four launch categories. The rules live in the importable package
// rules; this command only registers them.
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o standard.wasm ./plugins/standard
package main

import (
	_ "embed"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

//go:embed config.default.json
var defaultConfig []byte

var manifest = abi.Manifest{
	ID:          "campagnon.standard",
	Name:        "Règles standard de Campagnon",
	Version:     "1.0.0",
	ABI:         abi.Version,
	Description: "Catégories, tarifs, modes de paiement, commission et aides définis par la configuration du territoire ; par défaut les quatre catégories de lancement.",
	Author:      "Campagnon",
	Operations:  rules.Operations,
}

// handlers are the plugin's operations: the standard rules.
var handlers = rules.Handlers(manifest, rules.Options{Default: defaultConfig})

func init() { plugin.Register(handlers) }

func main() {}
