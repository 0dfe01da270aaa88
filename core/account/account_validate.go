package account

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/campagnon/campagnon/core/apperr"
	"github.com/campagnon/campagnon/core/credential"
	"github.com/campagnon/campagnon/core/referential"
)

// Bounds on sign-up fields, in bytes.
const (
	maxEmailLen       = 254
	maxDisplayNameLen = 100
	maxCompanyNameLen = 200
	maxCommuneLen     = 100
)

// SignUpInput is what a person gives to create an account. The territory is
// not part of it: it is the territory of the commune.
type SignUpInput struct {
	// Email is the login address; it is lower-cased.
	Email string `json:"email"`
	// Password must pass credential.CheckPassword.
	Password string `json:"password"`
	// DisplayName is the name shown to others.
	DisplayName string `json:"display_name"`
	// Commune is the commune of residence: its INSEE code ("60620"), or a
	// name that designates one commune only ("Songeons").
	Commune string `json:"commune"`
	// Professional, when set, makes the account a professional's too.
	Professional *ProfessionalInput `json:"professional,omitempty"`
}

// ProfessionalInput describes a professional's business.
type ProfessionalInput struct {
	// CompanyName is the business's name.
	CompanyName string `json:"company_name"`
	// SIRET is the establishment's 14-digit SIRET number (spaces accepted).
	SIRET string `json:"siret"`
	// NAF is the activity code ("88.10A", with or without the dot).
	NAF string `json:"naf"`
	// SAPNumber is the optional services-à-la-personne declaration number
	// ("SAP" and 9 digits).
	SAPNumber string `json:"sap_number,omitempty"`
}

// Problem is one refused field of an input.
type Problem struct {
	// Field names the input field, as in its JSON form ("professional.siret").
	Field string `json:"field"`
	// Message says in French what is wrong and what to do.
	Message string `json:"message"`
	// MessageEN says the same in English.
	MessageEN string `json:"message_en"`
}

// Problems are every refused field of one input; they are the private cause
// of the apperr.Error returned by SignUp, so callers can list them field by
// field with errors.As.
type Problems []Problem

// Error lists the problems in French.
func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + " : " + p.Message
	}
	return strings.Join(parts, " ; ")
}

func (ps *Problems) add(field, fr, en string) {
	*ps = append(*ps, Problem{Field: field, Message: fr, MessageEN: en})
}

// signUp is a validated, normalised SignUpInput.
type signUp struct {
	email, password, displayName string
	commune                      *referential.Commune
	pro                          *professional
}

type professional struct {
	companyName, siret, naf string
	sap                     *string
}

// validateSignUp checks every field of in at once and returns its
// normalised form with every problem found; the form is usable only when
// there is none, but its commune is set whenever the commune was found, so
// that SignUp can add the territory check to the same list. It looks nothing
// up in the database and never panics.
func validateSignUp(ref *referential.Referential, in SignUpInput) (*signUp, Problems) {
	var ps Problems
	out := &signUp{password: in.Password}
	email, ok := NormalizeEmail(in.Email)
	if !ok {
		ps.add("email", "Adresse électronique invalide : saisissez-la sous la forme nom@exemple.fr.",
			"Invalid email address: type it as name@example.fr.")
	}
	out.email = email
	if err := credential.CheckPassword(in.Password); err != nil {
		ps.add("password", capitalize(err.Error())+".", "Password refused: "+passwordEN(err))
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" || len(name) > maxDisplayNameLen || !printable(name) {
		ps.add("display_name", fmt.Sprintf("Nom affiché invalide : saisissez de 1 à %d caractères, sans caractère de contrôle.", maxDisplayNameLen),
			fmt.Sprintf("Invalid display name: type 1 to %d characters, without control characters.", maxDisplayNameLen))
	}
	out.displayName = name
	c, fr, en := resolveCommune(ref, in.Commune)
	if c == nil {
		ps.add("commune", fr, en)
	}
	out.commune = c
	if p := in.Professional; p != nil {
		pro := &professional{companyName: strings.TrimSpace(p.CompanyName)}
		if pro.companyName == "" || len(pro.companyName) > maxCompanyNameLen || !printable(pro.companyName) {
			ps.add("professional.company_name", fmt.Sprintf("Raison sociale invalide : saisissez le nom de l'entreprise (1 à %d caractères).", maxCompanyNameLen),
				fmt.Sprintf("Invalid company name: type the business's name (1 to %d characters).", maxCompanyNameLen))
		}
		pro.siret = credential.NormalizeSIRET(p.SIRET)
		if !credential.ValidSIRET(pro.siret) {
			ps.add("professional.siret", "Numéro SIRET invalide : il compte 14 chiffres et sa clé de contrôle ne correspond pas. Recopiez-le depuis un extrait Kbis ou l'avis de situation SIRENE (annuaire-entreprises.data.gouv.fr).",
				"Invalid SIRET number: it has 14 digits and its check digit does not match. Copy it from your SIRENE record (annuaire-entreprises.data.gouv.fr).")
		}
		naf, ok := credential.NormalizeNAF(p.NAF)
		if !ok {
			ps.add("professional.naf", "Code NAF (APE) invalide : il s'écrit deux chiffres, un point, deux chiffres et une lettre, par exemple 88.10A ; il figure sur l'avis de situation SIRENE.",
				"Invalid NAF (APE) code: two digits, a dot, two digits and a letter, such as 88.10A; it is on your SIRENE record.")
		}
		pro.naf = naf
		if strings.TrimSpace(p.SAPNumber) != "" {
			sap := credential.NormalizeSIRET(p.SAPNumber)
			if !credential.ValidSAPNumber(sap) {
				ps.add("professional.sap_number", "Numéro de déclaration de services à la personne invalide : il s'écrit SAP suivi des 9 chiffres du SIREN, par exemple SAP200005932. Laissez le champ vide si vous n'en avez pas.",
					"Invalid services-à-la-personne number: SAP followed by the 9 digits of the SIREN, such as SAP200005932. Leave it empty if you have none.")
			}
			pro.sap = &sap
		}
		out.pro = pro
	}
	return out, ps
}

// NormalizeEmail trims and lower-cases an email address and reports whether
// it has the shape local@domain.tld with no display name, no comment and at
// most 254 bytes.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 3 || len(s) > maxEmailLen || !utf8.ValidString(s) {
		return s, false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return s, false
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || strings.Count(s, "@") != 1 {
		return s, false
	}
	domain := s[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot < 1 || dot == len(domain)-1 || strings.Contains(domain, "..") {
		return s, false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || unicode.IsSpace(r) {
			return s, false
		}
	}
	return s, true
}

// resolveCommune finds the commune named by q: an INSEE code, or a name
// designating one commune only. It returns the French and English problem
// otherwise.
func resolveCommune(ref *referential.Referential, q string) (*referential.Commune, string, string) {
	q = strings.TrimSpace(q)
	if q == "" || len(q) > maxCommuneLen || !utf8.ValidString(q) {
		return nil, "Commune de résidence manquante : saisissez son nom (par exemple Songeons) ou son code INSEE.",
			"Commune of residence missing: type its name (such as Songeons) or its INSEE code."
	}
	if c, ok := ref.Commune(strings.ToUpper(q)); ok {
		return c, "", ""
	}
	key := referential.Normalize(q)
	var same []*referential.Commune
	for _, c := range ref.SearchName(q, 20) {
		if referential.Normalize(c.Name) == key {
			same = append(same, c)
		}
	}
	switch len(same) {
	case 1:
		return same[0], "", ""
	case 0:
		return nil, fmt.Sprintf("Commune %q introuvable : vérifiez l'orthographe ou saisissez son code INSEE (5 caractères).", q),
			fmt.Sprintf("Commune %q not found: check the spelling or type its INSEE code (5 characters).", q)
	default:
		opts := make([]string, 0, 5)
		for i, c := range same {
			if i == 5 {
				break
			}
			opts = append(opts, fmt.Sprintf("%s (%s, code INSEE %s)", c.Name, c.Departement, c.INSEE))
		}
		list := strings.Join(opts, ", ")
		return nil, fmt.Sprintf("Plusieurs communes s'appellent %q : %s. Saisissez le code INSEE de la vôtre.", q, list),
			fmt.Sprintf("Several communes are named %q: %s. Type the INSEE code of yours.", q, list)
	}
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// passwordEN translates credential's password-policy errors.
func passwordEN(err error) string {
	switch err {
	case credential.ErrPasswordShort:
		return fmt.Sprintf("too short; choose one of at least %d characters, such as a phrase of four or five words.", credential.MinPasswordChars)
	case credential.ErrPasswordLong:
		return fmt.Sprintf("too long; choose one of at most %d characters.", credential.MaxPasswordChars)
	case credential.ErrPasswordRepeat:
		return "too simple, it repeats one character; mix words, digits or signs."
	case credential.ErrPasswordCommon:
		return "too common, it would be guessed in seconds; choose a phrase of your own."
	default:
		return "unreadable characters; type it again on the keyboard."
	}
}

// invalidSignUp turns problems into the one error SignUp returns.
func invalidSignUp(ps Problems) error {
	fr := make([]string, len(ps))
	en := make([]string, len(ps))
	for i, p := range ps {
		fr[i] = p.Message
		en[i] = p.MessageEN
	}
	return apperr.Wrap(ps, apperr.KindInvalid, "signup_invalid",
		fmt.Sprintf("Inscription refusée, %d point(s) à corriger : %s", len(ps), strings.Join(fr, " ")),
		fmt.Sprintf("Sign-up refused, %d point(s) to correct: %s", len(ps), strings.Join(en, " ")))
}
