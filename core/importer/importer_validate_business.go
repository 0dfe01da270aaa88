package importer

import (
	"strings"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/account"
	"github.com/campagnon/campagnon/core/credential"
)

// business checks a line of the census of businesses.
func (v *validator) business(c *cells) {
	r := businessRecord{line: int32(c.line)}
	r.company = cleanText(c.require(FieldCompany), true)
	if r.company != "" && (utf8.RuneCountInString(r.company) > 200 || !printable(r.company)) {
		c.fail(FieldCompany, r.company, &issue{"raison sociale trop longue (200 caractères au plus) ou illisible", "company name too long (200 characters at most) or unreadable", ""})
	}
	if raw := c.require(FieldSIRET); raw != "" {
		siret, is := checkSIRET(raw)
		if is != nil {
			c.fail(FieldSIRET, raw, is)
		}
		r.siret = siret
	}
	if raw, _ := c.get(FieldNAF); raw != "" {
		naf, ok := credential.NormalizeNAF(raw)
		if !ok {
			c.fail(FieldNAF, raw, &issue{"code NAF (APE) invalide : deux chiffres, un point, deux chiffres et une lettre",
				"invalid NAF (APE) code: two digits, a dot, two digits and a letter", "par exemple 88.10A ; il figure sur l'avis de situation SIRENE"})
		}
		r.naf = naf
	}
	if raw, _ := c.get(FieldSAP); raw != "" {
		sap := credential.NormalizeSIRET(raw)
		if !credential.ValidSAPNumber(sap) {
			is := &issue{"numéro de déclaration SAP invalide : SAP suivi des 9 chiffres du SIREN", "invalid SAP declaration number: SAP followed by the 9 digits of the SIREN", ""}
			if credential.ValidSIREN(sap) {
				is.suggestion = "SAP" + sap
			} else if len(r.siret) == 14 {
				is.suggestion = "SAP" + r.siret[:9] + " (le SIREN du SIRET), ou laissez la cellule vide"
			}
			c.fail(FieldSAP, raw, is)
		}
		r.sap = sap
	}
	r.commune = v.commune(c)
	services, _ := c.get(FieldServices)
	r.services = cleanText(services, false)
	if utf8.RuneCountInString(r.services) > 4000 || !printable(r.services) {
		c.fail(FieldServices, r.services, &issue{"services trop longs (4 000 caractères au plus) ou illisibles", "services too long (4,000 characters at most) or unreadable", ""})
	}
	r.contact = v.contact(c, FieldContact, FieldContactEm, FieldContactPh, true)
	if c.bad {
		return
	}
	var ct contact
	if r.contact != nil {
		ct = *r.contact
	}
	sum := digest(KindBusinesses, r.company, r.siret, r.naf, r.sap, r.commune, key(r.services), ct.name, ct.email, ct.phone)
	r.key = digest(KindBusinesses, "siret", r.siret)
	if v.first(c, r.key, sum) {
		r.company, r.services = strings.Clone(r.company), strings.Clone(r.services)
		v.rep.businesses = append(v.rep.businesses, r)
	}
}

// checkSIRET normalises a SIRET and checks its key with core/credential
// (the check sign-up uses), suggesting what a spreadsheet probably did to
// it.
func checkSIRET(raw string) (string, *issue) {
	s := credential.NormalizeSIRET(raw)
	if credential.ValidSIRET(s) {
		return s, nil
	}
	is := &issue{"numéro SIRET invalide : il compte 14 chiffres et sa clé de contrôle ne correspond pas",
		"invalid SIRET number: it has 14 digits and its check digit does not match",
		"recopiez-le depuis l'avis de situation SIRENE (annuaire-entreprises.data.gouv.fr)"}
	switch {
	case strings.ContainsAny(s, "E") && strings.Contains(s, "+"):
		is.fr, is.en = "SIRET écrit en notation scientifique par le tableur : ses derniers chiffres sont perdus",
			"SIRET written in scientific notation by the spreadsheet: its last digits are lost"
		is.suggestion = "mettez la colonne au format Texte, retapez les numéros et exportez de nouveau"
	case credential.ValidSIREN(s):
		is.fr, is.en = "c'est un SIREN (9 chiffres), pas un SIRET", "this is a SIREN (9 digits), not a SIRET"
		is.suggestion = "ajoutez les 5 chiffres du NIC de l'établissement (annuaire-entreprises.data.gouv.fr)"
	case len(s) == 13 && digits(s) && credential.ValidSIRET("0"+s):
		is.fr, is.en = "SIRET à 13 chiffres : le tableur a sans doute retiré le 0 du début", "13-digit SIRET: the spreadsheet probably dropped the leading 0"
		is.suggestion = "0" + s
	case len(s) != 14 || !digits(s):
		is.fr, is.en = "un SIRET compte 14 chiffres", "a SIRET has 14 digits"
	}
	return s, is
}

// normalizeEmail is account's check of an address.
func normalizeEmail(s string) (string, bool) { return account.NormalizeEmail(s) }

// emailSuggestion proposes the address a badly typed one probably is.
func emailSuggestion(s string) string {
	fixed := strings.NewReplacer(" ", "", ",", ".", ";", ".", "(at)", "@", "[at]", "@", "..", ".").Replace(strings.TrimSpace(s))
	if e, ok := normalizeEmail(fixed); ok {
		return e
	}
	return ""
}
