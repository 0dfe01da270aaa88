package importer_test

import (
	"fmt"

	"github.com/campagnon/campagnon/core/importer"
)

// A form whose questions are its column headers: the mapping file names
// them, and translates the form's own answers into the plugin's
// categories and payment modes; everything else comes from the defaults.
func ExampleParseMapping() {
	m, err := importer.ParseMapping([]byte(`{
	  "kind": "listings",
	  "form": "mairie-2026",
	  "columns": {"commune": ["Dans quelle commune habitez-vous ?"], "date": ["Répondu le"]},
	  "values": {"category": {"Coup de main au jardin": "petits-travaux"}, "modes": {"Échange de services": "time_credits"}},
	  "default_kind": "need",
	  "date_formats": ["aaaa-mm-jj"]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Aliases(importer.FieldDate))
	_, err = importer.ParseMapping([]byte(`{"kind": "listings", "values": {"modes": {"Chèque": "cheque"}}}`))
	fmt.Println(err)
	// Output:
	// [date date de la reponse date de reponse date de saisie horodatage horodateur repondu le]
	// Fichier de correspondance à corriger : la valeur "cheque" de « modes » n'est pas l'une de free, time_credits, cesu_declaratif, cesu_prefinance, professional.
}
