package account

import (
	"sync"
	"testing"

	"github.com/campagnon/campagnon/core/referential"
)

var (
	fuzzRefOnce sync.Once
	fuzzRef     *referential.Referential
)

// FuzzSignUpInput checks that validation never panics, and that what it
// accepts is normalised: a lower-cased email that normalises to itself, a
// commune of the referential, and checked professional numbers.
func FuzzSignUpInput(f *testing.F) {
	fuzzRefOnce.Do(func() {
		var err error
		if fuzzRef, err = referential.Load(); err != nil {
			f.Fatal(err)
		}
	})
	f.Add("marie@exemple.fr", "cheval agrafe pile correcte", "Marie", "Songeons", false, "", "", "", "")
	f.Add(" A@B.C ", "x", "\x00", "60623", true, "Entreprise", "200 005 932 00005", "8810a", "SAP200005932")
	f.Add("\"a b\"@c.fr", "ééééééééééééé", "Nom", "saint martin", true, "", "35600000000001", "88.10A", "sap 356000000")
	f.Add("<a@b.fr>", "\xff\xfe", "Jean <jean@x.fr>", "\xff", true, "\t", "", "00.00Z", "SAP")
	f.Fuzz(func(t *testing.T, email, password, name, commune string, pro bool, company, siret, naf, sap string) {
		in := SignUpInput{Email: email, Password: password, DisplayName: name, Commune: commune}
		if pro {
			in.Professional = &ProfessionalInput{CompanyName: company, SIRET: siret, NAF: naf, SAPNumber: sap}
		}
		v, ps := validateSignUp(fuzzRef, in)
		if v == nil {
			t.Fatal("validateSignUp returned no form")
		}
		if len(ps) > 0 {
			_ = invalidSignUp(ps).Error()
			return
		}
		if e, ok := NormalizeEmail(v.email); !ok || e != v.email {
			t.Errorf("accepted email %q does not normalise to itself", v.email)
		}
		if v.commune == nil {
			t.Error("accepted without a commune")
		}
		if pro && (v.pro == nil || v.pro.siret == "" || v.pro.naf == "") {
			t.Errorf("professional accepted without numbers: %+v", v.pro)
		}
	})
}
