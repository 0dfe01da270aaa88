package referential

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// loadOnce loads the embedded referential once for all tests.
var loadOnce = sync.OnceValues(Load)

func testRef(tb testing.TB) *Referential {
	tb.Helper()
	r, err := loadOnce()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return r
}

func TestLoadCounts(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	communes := r.Communes()
	if len(communes) < 34_000 {
		t.Errorf("%d communes, want at least 34,000", len(communes))
	}
	if len(communes) != r.header.communes {
		t.Errorf("%d communes, the header recorded by refgen says %d", len(communes), r.header.communes)
	}
	if got := len(r.EPCIs()); got != 1255 {
		t.Errorf("%d EPCI, want 1,255", got)
	}
	if r.header.attribution != Attribution {
		t.Errorf("header attribution %q, want Attribution %q", r.header.attribution, Attribution)
	}
	withoutCentre := 0
	for _, c := range communes {
		if !c.HasCentre {
			withoutCentre++
			if c.Lat != 0 || c.Lon != 0 {
				t.Errorf("commune %s without centre has coordinates (%v, %v)", c.INSEE, c.Lat, c.Lon)
			}
		}
	}
	if withoutCentre != r.header.withoutCentre || withoutCentre > 100 {
		t.Errorf("%d communes without centre, header says %d (want at most 100)", withoutCentre, r.header.withoutCentre)
	}
}

func TestPilotEPCI(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		siren, name, kind string
		members           int
		population        int
		member            string // one member's INSEE code
	}{
		{"200005932", "CC des Portes de Sologne", "CC", 7, 15_994, "45146"},
		{"246000848", "CC de la Picardie Verte", "CC", 88, 32_777, "60623"},
	}
	for _, tt := range tests {
		t.Run(tt.siren, func(t *testing.T) {
			t.Parallel()
			e, ok := r.EPCI(tt.siren)
			if !ok {
				t.Fatalf("EPCI(%q) not found", tt.siren)
			}
			if e.Name != tt.name || e.Kind != tt.kind {
				t.Errorf("EPCI(%q) = %q (%s), want %q (%s)", tt.siren, e.Name, e.Kind, tt.name, tt.kind)
			}
			if len(e.Members) != tt.members || e.Population != tt.population {
				t.Errorf("EPCI(%q): %d communes, %d inhabitants; want %d, %d", tt.siren, len(e.Members), e.Population, tt.members, tt.population)
			}
			if !slices.Contains(e.Members, tt.member) {
				t.Errorf("EPCI(%q) members %v lack %s", tt.siren, e.Members, tt.member)
			}
			sum := 0
			for _, m := range e.Members {
				c, ok := r.Commune(m)
				if !ok || c.EPCI != tt.siren {
					t.Fatalf("member %s: commune %v, want one of EPCI %s", m, c, tt.siren)
				}
				sum += c.Population
			}
			if sum != tt.population {
				t.Errorf("members total %d inhabitants, want %d", sum, tt.population)
			}
		})
	}
}

func TestEPCIMembershipConsistent(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	members := 0
	for _, e := range r.EPCIs() {
		if !slices.IsSorted(e.Members) {
			t.Errorf("EPCI %s: members not sorted", e.SIREN)
		}
		members += len(e.Members)
	}
	inEPCI := 0
	for _, c := range r.Communes() {
		if c.EPCI == "" {
			continue
		}
		inEPCI++
		e, ok := r.EPCI(c.EPCI)
		if !ok || !slices.Contains(e.Members, c.INSEE) {
			t.Errorf("commune %s names EPCI %s which does not list it", c.INSEE, c.EPCI)
		}
	}
	if members != inEPCI {
		t.Errorf("EPCI list %d members, %d communes name an EPCI", members, inEPCI)
	}
}

func TestSortedListings(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	communes := r.Communes()
	if !slices.IsSortedFunc(communes, func(a, b *Commune) int { return strings.Compare(a.INSEE, b.INSEE) }) {
		t.Error("Communes() not sorted by INSEE code")
	}
	epcis := r.EPCIs()
	if !slices.IsSortedFunc(epcis, func(a, b *EPCI) int { return strings.Compare(a.SIREN, b.SIREN) }) {
		t.Error("EPCIs() not sorted by SIREN")
	}
	// The slices are the caller's: changing one does not change the next.
	communes[0] = nil
	epcis[0] = nil
	if r.Communes()[0] == nil || r.EPCIs()[0] == nil {
		t.Error("Communes() or EPCIs() returned a shared slice")
	}
}

func TestCommune(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		insee, name, dep, epci string
		postal                 []string
		hasCentre              bool
	}{
		{"45146", "La Ferté-Saint-Aubin", "45", "200005932", []string{"45240"}, true},
		{"60623", "Songeons", "60", "246000848", []string{"60380"}, true},
		{"95313", "L'Isle-Adam", "95", "", nil, true},
		{"2A004", "Ajaccio", "2A", "", nil, true},
		{"97411", "Saint-Denis", "974", "", nil, true},
		{"85165", "L'Oie", "85", "", []string{"85140"}, false},
		{"98411", "Îles Saint-Paul et Nouvelle-Amsterdam", "984", "", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.insee, func(t *testing.T) {
			t.Parallel()
			c, ok := r.Commune(tt.insee)
			if !ok {
				t.Fatalf("Commune(%q) not found", tt.insee)
			}
			if c.INSEE != tt.insee || c.Name != tt.name || c.Departement != tt.dep || c.HasCentre != tt.hasCentre {
				t.Errorf("Commune(%q) = %+v, want %s in %s, HasCentre %v", tt.insee, c, tt.name, tt.dep, tt.hasCentre)
			}
			if tt.epci != "" && c.EPCI != tt.epci {
				t.Errorf("Commune(%q).EPCI = %q, want %q", tt.insee, c.EPCI, tt.epci)
			}
			if tt.postal != nil && !slices.Equal(c.PostalCodes, tt.postal) {
				t.Errorf("Commune(%q).PostalCodes = %v, want %v", tt.insee, c.PostalCodes, tt.postal)
			}
			if c.HasCentre && (c.Lat < -30 || c.Lat > 60) {
				t.Errorf("Commune(%q) centre (%v, %v) implausible", tt.insee, c.Lat, c.Lon)
			}
		})
	}
	for _, bad := range []string{"", "4514", "451466", "00000", "45 146", "2C004", "arrondissement"} {
		if c, ok := r.Commune(bad); ok || c != nil {
			t.Errorf("Commune(%q) = %v, %v; want nil, false", bad, c, ok)
		}
	}
	// Municipal arrondissements and delegated communes are not current communes.
	for _, notCurrent := range []string{"75101", "13201", "69381"} {
		if _, ok := r.Commune(notCurrent); ok {
			t.Errorf("Commune(%q) found, want only current communes", notCurrent)
		}
	}
}

func TestByPostalCode(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		cp    string
		first string
		want  []string
	}{
		{"45240", "45146", []string{"45146", "45182", "45193", "45200", "45309"}},
		{"60380", "60623", []string{"60623"}},
		{"75001", "75056", []string{"75056"}},
		{"00000", "", nil},
		{"", "", nil},
		{"4524", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.cp, func(t *testing.T) {
			t.Parallel()
			got := r.ByPostalCode(tt.cp)
			var codes []string
			for _, c := range got {
				codes = append(codes, c.INSEE)
				if !slices.Contains(c.PostalCodes, tt.cp) {
					t.Errorf("commune %s lacks postal code %s", c.INSEE, tt.cp)
				}
			}
			for _, w := range tt.want {
				if !slices.Contains(codes, w) {
					t.Errorf("ByPostalCode(%q) = %v, lacks %s", tt.cp, codes, w)
				}
			}
			if tt.want == nil && got != nil {
				t.Errorf("ByPostalCode(%q) = %v, want nil", tt.cp, codes)
			}
			if tt.first != "" && (len(codes) == 0 || codes[0] != tt.first) {
				t.Errorf("ByPostalCode(%q) = %v, want %s first (most populated)", tt.cp, codes, tt.first)
			}
			if !slices.IsSortedFunc(got, byPopulationThenINSEE) {
				t.Errorf("ByPostalCode(%q) not sorted by population", tt.cp)
			}
		})
	}
}

func TestEPCILookupAndBadInput(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	for _, bad := range []string{"", "20000593", "2000059321", "000000000", "CC des Portes de Sologne"} {
		if e, ok := r.EPCI(bad); ok || e != nil {
			t.Errorf("EPCI(%q) = %v, %v; want nil, false", bad, e, ok)
		}
	}
	kinds := map[string]int{}
	for _, e := range r.EPCIs() {
		kinds[e.Kind]++
	}
	for _, k := range []string{"CC", "CA", "CU", "METRO"} {
		if kinds[k] == 0 {
			t.Errorf("no EPCI of kind %s in %v", k, kinds)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				r.SearchName("saint", 10)
				r.SearchEPCI("sologne", 5)
				r.Commune("45146")
				r.ByPostalCode("45240")
				if _, err := r.Within("45146", 20); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
