// Command portes-de-sologne is the territory plugin of the CC des Portes de
// Sologne (Loiret, EPCI 200005932, 7 communes): the standard rules with the
// territory's own configuration (config.default.json, embedded) and one
// rule written in code (territory.go).
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o portes-de-sologne.wasm ./plugins/portes-de-sologne
package main

import (
	_ "embed"

	"github.com/campagnon/campagnon/plugins/standard/rules"
	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/plugin"
)

//go:embed config.default.json
var defaultConfig []byte

// epci is the SIREN code of the CC des Portes de Sologne.
const epci = "200005932"

var manifest = abi.Manifest{
	ID:          "cc.portes-de-sologne",
	Name:        "Communauté de communes des Portes de Sologne",
	Version:     "1.0.0",
	ABI:         abi.Version,
	Description: "Les quatre catégories de lancement ; mobilité entre habitants bénévole avec indemnité kilométrique seulement ; commission des professionnels offerte aux professionnels déclarés services à la personne ; aide de la communauté de communes aux services pour les aînés.",
	Author:      "Campagnon",
	Operations:  rules.Operations,
	Territories: []string{epci},
}

// handlers are the plugin's operations: the standard rules, this territory's
// configuration and its own rule.
var handlers = rules.Handlers(manifest, rules.Options{Default: defaultConfig, Extension: portesDeSologne})

func init() { plugin.Register(handlers) }

func main() {}
