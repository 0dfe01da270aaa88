// Command picardie-verte is the territory plugin of the CC de la Picardie
// Verte (Oise, EPCI 246000848, 88 communes): the standard rules with the
// territory's own configuration (config.default.json, embedded) and one
// rule written in code (territory.go).
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o picardie-verte.wasm ./plugins/picardie-verte
package main

import (
	_ "embed"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

//go:embed config.default.json
var defaultConfig []byte

// epci is the SIREN code of the CC de la Picardie Verte.
const epci = "246000848"

var manifest = abi.Manifest{
	ID:          "cc.picardie-verte",
	Name:        "Communauté de communes de la Picardie Verte",
	Version:     "1.0.0",
	ABI:         abi.Version,
	Description: "Les quatre catégories de lancement ; mobilité entre habitants en crédits temps, avec l'indemnité kilométrique du conducteur remboursée par la communauté de communes ; réduction solidaire prise en charge par la communauté de communes.",
	Author:      "Campagnon",
	Operations:  rules.Operations,
	Territories: []string{epci},
}

// handlers are the plugin's operations: the standard rules, this territory's
// configuration and its own rule.
var handlers = rules.Handlers(manifest, rules.Options{Default: defaultConfig, Extension: picardieVerte})

func init() { plugin.Register(handlers) }

func main() {}
