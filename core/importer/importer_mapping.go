package importer

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/referential"
	"github.com/campagnon/campagnon/sdk/abi"
)

// Kinds of records a file holds.
const (
	// KindListings are residents' needs and offers.
	KindListings = "listings"
	// KindBusinesses are the businesses of a census.
	KindBusinesses = "businesses"
)

// Fields a mapping may give a column to. Each kind reads its own.
const (
	FieldSourceID   = "source_id"   // the form's answer ID or timestamp: the row's key
	FieldKind       = "kind"        // need or offer
	FieldModality   = "modality"    // resident or professional
	FieldName       = "name"        // the respondent's name (kept with consent only)
	FieldEmail      = "email"       // the respondent's email (kept with consent only)
	FieldPhone      = "phone"       // the respondent's phone (kept with consent only)
	FieldConsent    = "consent"     // yes when the respondent agrees to be contacted
	FieldCommune    = "commune"     // name, INSEE code or postal code
	FieldPostalCode = "postal_code" // helps the commune, or stands for it
	FieldTitle      = "title"       // what is needed or offered, in a few words
	FieldCategory   = "category"    // the form's category answer
	FieldDesc       = "description" // details
	FieldModes      = "modes"       // payment modes wished, several per cell
	FieldPrice      = "price"       // hourly price, decimal comma
	FieldDate       = "date"        // date of the answer
	FieldCompany    = "company_name"
	FieldSIRET      = "siret"
	FieldNAF        = "naf"
	FieldSAP        = "sap_number"
	FieldServices   = "services"
	FieldContact    = "contact_name"
	FieldContactEm  = "contact_email"
	FieldContactPh  = "contact_phone"
)

// fieldsOf lists each kind's fields in the order of their key and report.
var fieldsOf = map[string][]string{
	KindListings: {FieldSourceID, FieldKind, FieldModality, FieldDate, FieldCommune, FieldPostalCode, FieldCategory,
		FieldTitle, FieldDesc, FieldModes, FieldPrice, FieldName, FieldEmail, FieldPhone, FieldConsent},
	KindBusinesses: {FieldSourceID, FieldCompany, FieldSIRET, FieldNAF, FieldSAP, FieldCommune, FieldPostalCode,
		FieldServices, FieldContact, FieldContactEm, FieldContactPh, FieldConsent},
}

// requiredOf lists the fields a kind cannot do without. The commune may
// come from FieldPostalCode instead; FieldKind may be a default.
var requiredOf = map[string][]string{
	KindListings:   {FieldDate, FieldCommune, FieldCategory, FieldTitle},
	KindBusinesses: {FieldCompany, FieldSIRET, FieldCommune},
}

// fieldLabels name the fields in reports, French then English.
var fieldLabels = map[string][2]string{
	FieldSourceID: {"identifiant de réponse", "answer ID"}, FieldKind: {"type (besoin ou offre)", "kind (need or offer)"},
	FieldModality: {"modalité", "modality"}, FieldName: {"nom", "name"}, FieldEmail: {"courriel", "email"},
	FieldPhone: {"téléphone", "phone"}, FieldConsent: {"accord pour être recontacté", "consent to be contacted"},
	FieldCommune: {"commune", "commune"}, FieldPostalCode: {"code postal", "postal code"}, FieldTitle: {"intitulé", "title"},
	FieldCategory: {"catégorie", "category"}, FieldDesc: {"description", "description"}, FieldModes: {"mode de paiement", "payment mode"},
	FieldPrice: {"prix horaire", "hourly price"}, FieldDate: {"date de la réponse", "date of the answer"},
	FieldCompany: {"raison sociale", "company name"}, FieldSIRET: {"SIRET", "SIRET"}, FieldNAF: {"code NAF", "NAF code"},
	FieldSAP: {"numéro SAP", "SAP number"}, FieldServices: {"services", "services"}, FieldContact: {"nom du contact", "contact name"},
	FieldContactEm: {"courriel du contact", "contact email"}, FieldContactPh: {"téléphone du contact", "contact phone"},
}

// Mapping says how to read one form's export: which header names carry
// which field, how the form words its answers, and the formats of dates.
// Its JSON form is the mapping file; what it leaves out comes from
// DefaultMapping (the aliases and answers below are added after the
// file's own, so the file lists only what its form words differently).
type Mapping struct {
	// Kind is KindListings or KindBusinesses.
	Kind string `json:"kind"`
	// Form names the form the file comes from; the keys of source IDs are
	// scoped by it, so that answer 12 of two forms are two rows.
	Form string `json:"form,omitempty"`
	// Sheet is the XLSX sheet to read; the first one when empty.
	Sheet string `json:"sheet,omitempty"`
	// Delimiter forces the CSV separator (";", ",", "\t" or "tab");
	// sniffed when empty.
	Delimiter string `json:"delimiter,omitempty"`
	// Columns give, per field, the header names that may carry it,
	// compared without case, accents or punctuation; the first header of
	// the file that matches wins.
	Columns map[string][]string `json:"columns"`
	// Values translate the form's answers per field (FieldKind,
	// FieldModality, FieldCategory, FieldModes, FieldConsent), compared
	// like headers: "Jardinage" → "petits-travaux". Categories and modes
	// are also recognised by their plugin ID and label.
	Values map[string]map[string]string `json:"values,omitempty"`
	// DefaultKind is the kind of listing ("need" or "offer") of rows
	// without a kind column or answer.
	DefaultKind string `json:"default_kind,omitempty"`
	// DefaultModes are the payment modes of rows that name none.
	DefaultModes []string `json:"default_modes,omitempty"`
	// DateFormats are the accepted date formats, with jj (day), mm
	// (month), aaaa (year), then hh:mm or hh:mm:ss: "jj/mm/aaaa",
	// "jj/mm/aaaa hh:mm:ss", "aaaa-mm-jj". Days and months may have one
	// digit.
	DateFormats []string `json:"date_formats,omitempty"`

	// Resolved forms, filled by compile.
	// headers map a normalised header to the fields it carries: [0] the
	// mapping's own names, [1] the defaults (a file's column named by the
	// mapping wins over one the defaults recognise).
	headers  [2]map[string][]string
	values   map[string]map[string]string
	layouts  []string
	delim    rune
	required []string
}

// Bounds of a mapping file.
const (
	maxMappingBytes = 256 << 10
	maxAliases      = 50
)

// ParseMapping reads a mapping file (JSON) and completes it with the
// defaults of its kind. Its errors are apperr.KindInvalid with a French
// and English message naming what to fix.
func ParseMapping(data []byte) (*Mapping, error) {
	if len(data) > maxMappingBytes {
		return nil, mappingError(fmt.Sprintf("le fichier de correspondance dépasse %d Kio", maxMappingBytes>>10),
			fmt.Sprintf("the mapping file exceeds %d KiB", maxMappingBytes>>10))
	}
	m := new(Mapping)
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return nil, mappingError("JSON illisible ("+err.Error()+")", "unreadable JSON ("+err.Error()+")")
	}
	return m, m.compile()
}

// DefaultMapping returns the mapping of kind with the common wordings of
// French forms (the headers and answers below): an export whose columns
// are named "Date", "Commune", "Catégorie", "Quoi", "Type", "Mode de
// paiement" — or "Raison sociale", "SIRET", "Commune" for a census — reads
// without a mapping file.
func DefaultMapping(kind string) (*Mapping, error) {
	m := &Mapping{Kind: kind}
	return m, m.compile()
}

func mappingError(fr, en string) error {
	return apperr.New(apperr.KindInvalid, "import_mapping",
		"Fichier de correspondance à corriger : "+fr+".", "Mapping file to fix: "+en+".")
}

// defaultColumns are the header names of French forms, per field.
var defaultColumns = map[string][]string{
	FieldSourceID:   {"Identifiant", "ID", "N° de réponse", "Numéro de réponse", "Réponse", "Horodateur", "Horodatage"},
	FieldKind:       {"Type", "Besoin ou offre", "Vous cherchez ou vous proposez", "Je cherche ou je propose", "Nature"},
	FieldModality:   {"Modalité", "Particulier ou professionnel", "Vous êtes"},
	FieldName:       {"Nom", "Nom et prénom", "Prénom et nom", "Nom prénom", "Votre nom"},
	FieldEmail:      {"Courriel", "Email", "E-mail", "Adresse e-mail", "Adresse électronique", "Mail"},
	FieldPhone:      {"Téléphone", "Tél", "Tel", "Portable", "Numéro de téléphone"},
	FieldConsent:    {"Accord", "Consentement", "J'accepte d'être recontacté", "J'accepte d'être recontacté(e)", "Accepte d'être recontacté", "Recontact"},
	FieldCommune:    {"Commune", "Commune de résidence", "Ville", "Localité", "Votre commune"},
	FieldPostalCode: {"Code postal", "CP"},
	FieldTitle:      {"Quoi", "Intitulé", "Titre", "Objet", "Besoin", "Service", "Quel service"},
	FieldCategory:   {"Catégorie", "Domaine", "Thème", "Rubrique"},
	FieldDesc:       {"Description", "Précisions", "Détails", "Commentaire", "Commentaires"},
	FieldModes:      {"Mode de paiement", "Mode de paiement souhaité", "Modes de paiement", "Paiement", "Règlement"},
	FieldPrice:      {"Prix", "Prix horaire", "Tarif", "Tarif horaire", "Prix de l'heure"},
	FieldDate:       {"Date", "Date de la réponse", "Date de réponse", "Horodateur", "Horodatage", "Date de saisie"},
	FieldCompany:    {"Raison sociale", "Entreprise", "Nom de l'entreprise", "Société", "Dénomination"},
	FieldSIRET:      {"SIRET", "N° SIRET", "Numéro SIRET"},
	FieldNAF:        {"NAF", "Code NAF", "APE", "Code APE", "NAF/APE"},
	FieldSAP:        {"SAP", "N° SAP", "Numéro SAP", "Déclaration SAP", "Numéro de déclaration SAP"},
	FieldServices:   {"Services", "Services proposés", "Activité", "Activités", "Prestations"},
	FieldContact:    {"Contact", "Nom du contact", "Interlocuteur", "Responsable"},
	FieldContactEm:  {"Courriel", "Email", "E-mail", "Courriel du contact", "Adresse e-mail"},
	FieldContactPh:  {"Téléphone", "Tél", "Tel", "Téléphone du contact"},
}

// defaultValues are the common answers of French forms, per field. Mode
// and category answers are also matched against the plugin's IDs and
// labels at validation.
var defaultValues = map[string]map[string]string{
	FieldKind: {"besoin": abi.ListingNeed, "je cherche": abi.ListingNeed, "demande": abi.ListingNeed, "cherche": abi.ListingNeed,
		"j ai besoin": abi.ListingNeed, "need": abi.ListingNeed, "offre": abi.ListingOffer, "je propose": abi.ListingOffer,
		"propose": abi.ListingOffer, "proposition": abi.ListingOffer, "j offre": abi.ListingOffer, "offer": abi.ListingOffer},
	FieldModality: {"particulier": abi.ModalityResident, "habitant": abi.ModalityResident, "resident": abi.ModalityResident,
		"professionnel": abi.ModalityProfessional, "pro": abi.ModalityProfessional, "entreprise": abi.ModalityProfessional,
		"professional": abi.ModalityProfessional},
	FieldModes: {"gratuit": abi.ModeFree, "benevole": abi.ModeFree, "benevolat": abi.ModeFree, "free": abi.ModeFree,
		"credits temps": abi.ModeTimeCredits, "credit temps": abi.ModeTimeCredits, "temps": abi.ModeTimeCredits,
		"echange de temps": abi.ModeTimeCredits, "banque de temps": abi.ModeTimeCredits,
		"cesu": abi.ModeCESUDeclaratif, "cesu declaratif": abi.ModeCESUDeclaratif, "cheque emploi service": abi.ModeCESUDeclaratif,
		"cesu prefinance": abi.ModeCESUPrefinance, "titres cesu": abi.ModeCESUPrefinance, "ticket cesu": abi.ModeCESUPrefinance,
		"professionnel": abi.ModeProfessional, "devis": abi.ModeProfessional, "facture": abi.ModeProfessional,
		"sur devis": abi.ModeProfessional},
	FieldConsent: {"oui": "yes", "yes": "yes", "x": "yes", "1": "yes", "vrai": "yes", "true": "yes", "d accord": "yes",
		"j accepte": "yes", "non": "no", "no": "no", "0": "no", "faux": "no", "false": "no"},
}

// defaultCategories are common answers of French forms for the categories
// of the standard plugin; each counts only when the territory's plugin has
// its category.
var defaultCategories = map[string]string{
	"jardinage": "petits-travaux", "jardin": "petits-travaux", "bricolage": "petits-travaux", "menage": "petits-travaux",
	"entretien de la maison": "petits-travaux", "petits travaux": "petits-travaux", "surveillance de la maison": "petits-travaux",
	"garde d enfants": "enfance", "garde d enfant": "enfance", "aide aux devoirs": "enfance", "soutien scolaire": "enfance", "enfance": "enfance",
	"courses": "aines", "aide aux aines": "aines", "aines": "aines", "demarches administratives": "aines", "aide administrative": "aines",
	"informatique": "aines", "aide numerique": "aines", "visite de convivialite": "aines",
	"transport": "mobilite", "covoiturage": "mobilite", "mobilite": "mobilite", "accompagnement": "mobilite",
	"transport solidaire": "mobilite", "rendez vous medical": "mobilite",
}

// defaultDateFormats are tried in order when the mapping names none.
var defaultDateFormats = []string{"jj/mm/aaaa", "jj/mm/aaaa hh:mm:ss", "jj/mm/aaaa hh:mm", "aaaa-mm-jj", "aaaa-mm-jj hh:mm:ss", "jj-mm-aaaa", "jj.mm.aaaa"}

// key normalises a header or an answer for comparison: lower case, no
// accents, words separated by one space (referential.Normalize, which also
// reads "st" as "saint").
func key(s string) string { return referential.Normalize(s) }

// compile checks m and resolves its lookups, with the defaults of its kind.
func (m *Mapping) compile() error {
	fields, ok := fieldsOf[m.Kind]
	if !ok {
		return mappingError(fmt.Sprintf("« kind » vaut %q ou %q, pas %q", KindListings, KindBusinesses, m.Kind),
			fmt.Sprintf(`"kind" is %q or %q, not %q`, KindListings, KindBusinesses, m.Kind))
	}
	for f, aliases := range m.Columns {
		if !slices.Contains(fields, f) {
			return mappingError(fmt.Sprintf("la colonne « %s » n'est pas un champ de %s (champs : %s)", f, m.Kind, strings.Join(fields, ", ")),
				fmt.Sprintf("column %q is not a field of %s (fields: %s)", f, m.Kind, strings.Join(fields, ", ")))
		}
		if len(aliases) > maxAliases {
			return mappingError(fmt.Sprintf("au plus %d noms de colonne pour « %s »", maxAliases, f), fmt.Sprintf("at most %d header names for %q", maxAliases, f))
		}
	}
	// Headers: one header may carry several fields (a form's timestamp is
	// the answer's date and its ID); the mapping's own names come before
	// the defaults, so they win when a file has both.
	m.headers = [2]map[string][]string{{}, {}}
	claim := func(i int, f string, aliases []string) {
		for _, a := range aliases {
			if k := key(a); k != "" && !slices.Contains(m.headers[i][k], f) {
				m.headers[i][k] = append(m.headers[i][k], f)
			}
		}
	}
	for _, f := range fields {
		claim(0, f, m.Columns[f])
		claim(1, f, defaultColumns[f])
	}
	m.values = map[string]map[string]string{}
	for f, vs := range m.Values {
		if !slices.Contains([]string{FieldKind, FieldModality, FieldCategory, FieldModes, FieldConsent}, f) {
			return mappingError(fmt.Sprintf("« values » traduit les réponses de kind, modality, category, modes ou consent, pas de « %s »", f),
				fmt.Sprintf(`"values" translates the answers of kind, modality, category, modes or consent, not %q`, f))
		}
		for answer, v := range vs {
			if err := checkValue(f, v); err != nil {
				return err
			}
			if m.values[f] == nil {
				m.values[f] = map[string]string{}
			}
			m.values[f][key(answer)] = v
		}
	}
	for f, vs := range defaultValues {
		if m.values[f] == nil {
			m.values[f] = map[string]string{}
		}
		for answer, v := range vs {
			if _, ok := m.values[f][answer]; !ok {
				m.values[f][answer] = v
			}
		}
	}
	if m.DefaultKind != "" && m.DefaultKind != abi.ListingNeed && m.DefaultKind != abi.ListingOffer {
		return mappingError(fmt.Sprintf("« default_kind » vaut « need » ou « offer », pas %q", m.DefaultKind),
			fmt.Sprintf(`"default_kind" is "need" or "offer", not %q`, m.DefaultKind))
	}
	for _, md := range m.DefaultModes {
		if err := checkValue(FieldModes, md); err != nil {
			return err
		}
	}
	formats := m.DateFormats
	if len(formats) == 0 {
		formats = defaultDateFormats
	}
	m.layouts = m.layouts[:0]
	for _, f := range formats {
		l, ok := layoutOf(f)
		if !ok {
			return mappingError(fmt.Sprintf("format de date %q illisible : écrivez-le avec jj, mm, aaaa, puis hh:mm ou hh:mm:ss, comme « jj/mm/aaaa »", f),
				fmt.Sprintf("unreadable date format %q: write it with jj (day), mm, aaaa, then hh:mm or hh:mm:ss, such as \"jj/mm/aaaa\"", f))
		}
		m.layouts = append(m.layouts, l)
	}
	switch m.Delimiter {
	case "":
		m.delim = 0
	case ";", ",":
		m.delim, _ = utf8.DecodeRuneInString(m.Delimiter)
	case "\t", "tab", "tabulation":
		m.delim = '\t'
	default:
		return mappingError(fmt.Sprintf("« delimiter » vaut « ; », « , » ou « tab », pas %q", m.Delimiter),
			fmt.Sprintf(`"delimiter" is ";", "," or "tab", not %q`, m.Delimiter))
	}
	m.required = requiredOf[m.Kind]
	if m.Kind == KindListings && m.DefaultKind == "" {
		m.required = append(slices.Clone(m.required), FieldKind)
	}
	return nil
}

// checkValue refuses a translated answer that is not one of the field's
// values (categories are the plugin's: checked at validation).
func checkValue(field, v string) error {
	var allowed []string
	switch field {
	case FieldKind:
		allowed = []string{abi.ListingNeed, abi.ListingOffer}
	case FieldModality:
		allowed = []string{abi.ModalityResident, abi.ModalityProfessional}
	case FieldModes:
		allowed = abi.Modes
	case FieldConsent:
		allowed = []string{"yes", "no"}
	default:
		return nil
	}
	if !slices.Contains(allowed, v) {
		return mappingError(fmt.Sprintf("la valeur %q de « %s » n'est pas l'une de %s", v, field, strings.Join(allowed, ", ")),
			fmt.Sprintf("value %q of %q is not one of %s", v, field, strings.Join(allowed, ", ")))
	}
	return nil
}

// layoutOf turns a French date format into a time layout.
func layoutOf(f string) (string, bool) {
	datePart, timePart, hasTime := strings.Cut(strings.TrimSpace(strings.ToLower(f)), " ")
	r := strings.NewReplacer("aaaa", "2006", "yyyy", "2006", "jj", "2", "dd", "2", "mm", "1")
	d := r.Replace(datePart)
	if !strings.Contains(d, "2006") || strings.Count(d, "2") != 2 || !strings.Contains(d, "1") || strings.ContainsAny(d, "abcdefghijklmnopqrstuvwxyz") {
		return "", false
	}
	if !hasTime {
		return d, true
	}
	switch strings.TrimSpace(timePart) {
	case "hh:mm":
		return d + " 15:04", true
	case "hh:mm:ss":
		return d + " 15:04:05", true
	}
	return "", false
}

// Fields returns the fields of kind, for documentation and forms.
func Fields(kind string) []string { return slices.Clone(fieldsOf[kind]) }

// Aliases returns the header names m recognises for field, normalised and
// sorted (for the admin page's help).
func (m *Mapping) Aliases(field string) []string {
	var out []string
	for _, hs := range m.headers {
		for h, fs := range hs {
			if slices.Contains(fs, field) && !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	sort.Strings(out)
	return out
}
