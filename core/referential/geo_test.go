package referential

import (
	"cmp"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDistanceKm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tolerance        float64
	}{
		{"same point", 47.7, 1.9, 47.7, 1.9, 0, 0},
		{"one degree of equator", 0, 0, 0, 1, EarthRadiusKm * math.Pi / 180, 1e-9},
		{"one degree of meridian", 45, 3, 46, 3, EarthRadiusKm * math.Pi / 180, 1e-9},
		{"antipodes", 0, 0, 0, 180, EarthRadiusKm * math.Pi, 1e-6},
		{"poles", 90, 0, -90, 0, EarthRadiusKm * math.Pi, 1e-6},
		{"across the antimeridian", 0, 179.5, 0, -179.5, EarthRadiusKm * math.Pi / 180, 1e-9},
		// Paris and Marseille town halls: about 661 km apart.
		{"Paris to Marseille", 48.8566, 2.3522, 43.2965, 5.3698, 661, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DistanceKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			if math.Abs(got-tt.want) > tt.tolerance {
				t.Errorf("DistanceKm = %.6f, want %.6f ± %g", got, tt.want, tt.tolerance)
			}
			if back := DistanceKm(tt.lat2, tt.lon2, tt.lat1, tt.lon1); math.Abs(back-got) > 1e-9 {
				t.Errorf("DistanceKm not symmetric: %v and %v", got, back)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct {
		a, b      string
		want, tol float64
		err       error
	}{
		// Reference values: haversine on the source centres, computed apart.
		{"60623", "60286", 12.952, 0.01, nil}, // Songeons – Grandvilliers
		{"45146", "45234", 18.929, 0.01, nil}, // La Ferté-Saint-Aubin – Orléans
		{"45146", "45193", 10.409, 0.01, nil}, // La Ferté-Saint-Aubin – Marcilly-en-Villette
		{"75056", "13055", 662.63, 0.05, nil}, // Paris – Marseille
		{"45146", "45146", 0, 0, nil},
		{"45146", "00000", 0, 0, ErrUnknownCommune},
		{"", "45146", 0, 0, ErrUnknownCommune},
		{"85165", "45146", 0, 0, ErrNoCentre}, // L'Oie has no centre
		{"45146", "98818", 0, 0, ErrNoCentre}, // Nouméa has no centre
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			t.Parallel()
			got, err := r.Distance(tt.a, tt.b)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Distance(%q, %q) error = %v, want %v", tt.a, tt.b, err, tt.err)
			}
			if err != nil {
				return
			}
			if math.Abs(got-tt.want) > tt.tol {
				t.Errorf("Distance(%q, %q) = %.4f km, want %.4f ± %g", tt.a, tt.b, got, tt.want, tt.tol)
			}
		})
	}
}

func TestWithin(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	got, err := r.Within("45146", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"45146", "45200", "45006", "45175"} // computed from the sources
	var codes []string
	for _, n := range got {
		codes = append(codes, n.Commune.INSEE)
	}
	if !slices.Equal(codes, want) {
		t.Errorf("Within(45146, 10) = %v, want %v", codes, want)
	}
	if len(got) == 0 || got[0].DistanceKm != 0 {
		t.Errorf("Within(45146, 10) does not start with the commune itself at 0 km: %v", got)
	}
	for _, km := range []float64{0, 0.5, 25, 100} {
		got, err := r.Within("60623", km)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].Commune.INSEE != "60623" || got[0].DistanceKm != 0 {
			t.Errorf("Within(60623, %v) does not start with Songeons at 0 km", km)
		}
		checkNearby(t, got, km)
	}

	bad := []struct {
		insee string
		km    float64
		err   error
	}{
		{"00000", 10, ErrUnknownCommune},
		{"", 10, ErrUnknownCommune},
		{"85212", 10, ErrNoCentre},
		{"45146", -1, ErrInvalidRadius},
		{"45146", math.NaN(), ErrInvalidRadius},
	}
	for _, tt := range bad {
		got, err := r.Within(tt.insee, tt.km)
		if !errors.Is(err, tt.err) || got != nil {
			t.Errorf("Within(%q, %v) = %d results, %v; want nil, %v", tt.insee, tt.km, len(got), err, tt.err)
		}
	}
}

// checkNearby checks that ns is sorted nearest first and within km.
func checkNearby(t *testing.T, ns []Nearby, km float64) {
	t.Helper()
	for i, n := range ns {
		if n.DistanceKm > km || n.DistanceKm < 0 {
			t.Errorf("%s at %v km, radius %v", n.Commune.INSEE, n.DistanceKm, km)
		}
		if i > 0 && cmpNearby(ns[i-1], n) > 0 {
			t.Errorf("%s (%v km) after %s (%v km): not sorted", n.Commune.INSEE, n.DistanceKm, ns[i-1].Commune.INSEE, ns[i-1].DistanceKm)
		}
	}
}

func cmpNearby(a, b Nearby) int {
	if c := cmp.Compare(a.DistanceKm, b.DistanceKm); c != 0 {
		return c
	}
	return cmp.Compare(a.Commune.INSEE, b.Commune.INSEE)
}

// withinLinear is WithinPoint by scanning every commune.
func withinLinear(r *Referential, lat, lon, km float64) []Nearby {
	var out []Nearby
	for i := range r.communes {
		c := &r.communes[i]
		if !c.HasCentre {
			continue
		}
		if d := DistanceKm(lat, lon, c.Lat, c.Lon); d <= km {
			out = append(out, Nearby{Commune: c, DistanceKm: d})
		}
	}
	slices.SortFunc(out, cmpNearby)
	return out
}

// TestWithinPointMatchesLinearScan compares the grid with a linear scan at
// random points of metropolitan France, the overseas départements and the
// whole globe, for radii from 0 to the whole Earth.
func TestWithinPointMatchesLinearScan(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	rng := rand.New(rand.NewPCG(1, 2))
	type box struct{ lat0, lat1, lon0, lon1 float64 }
	boxes := []box{
		{41, 51.5, -5.5, 10},       // metropolitan France
		{15.8, 16.6, -61.9, -61},   // Guadeloupe
		{-21.5, -20.8, 55.1, 55.9}, // La Réunion
		{2, 6, -55, -51},           // French Guiana
		{-90, 90, -180, 180},       // anywhere
		{89, 90, -180, 180},        // near the pole
		{-10, 10, 179, 180},        // near the antimeridian
	}
	radii := []float64{0, 1, 5, 12.5, 30, 80, 250, 1000, 8000, 21000, math.Inf(1)}
	checked := 0
	for _, b := range boxes {
		for _, km := range radii {
			for range 3 {
				lat := b.lat0 + rng.Float64()*(b.lat1-b.lat0)
				lon := b.lon0 + rng.Float64()*(b.lon1-b.lon0)
				got := r.WithinPoint(lat, lon, km)
				want := withinLinear(r, lat, lon, km)
				if len(got) != len(want) {
					t.Errorf("WithinPoint(%v, %v, %v): %d communes, linear scan finds %d", lat, lon, km, len(got), len(want))
					continue
				}
				for i := range got {
					if got[i].Commune != want[i].Commune || got[i].DistanceKm != want[i].DistanceKm {
						t.Errorf("WithinPoint(%v, %v, %v)[%d] = %s at %v, want %s at %v", lat, lon, km, i,
							got[i].Commune.INSEE, got[i].DistanceKm, want[i].Commune.INSEE, want[i].DistanceKm)
						break
					}
				}
				checked += len(got)
			}
		}
	}
	if checked == 0 {
		t.Error("no commune found at all")
	}
	// Every commune with a centre lies within its own radius 0.
	for _, c := range r.Communes() {
		if !c.HasCentre {
			continue
		}
		got := r.WithinPoint(c.Lat, c.Lon, 0)
		if len(got) == 0 || got[0].Commune != c {
			t.Errorf("WithinPoint at the centre of %s, 0 km = %v", c.INSEE, got)
		}
	}
}

func TestWithinPointBadInput(t *testing.T) {
	t.Parallel()
	r := testRef(t)
	tests := []struct{ lat, lon, km float64 }{
		{91, 0, 10},
		{-90.5, 0, 10},
		{47, 181, 10},
		{47, -180.1, 10},
		{math.NaN(), 2, 10},
		{47, math.NaN(), 10},
		{47, 2, -0.1},
		{47, 2, math.NaN()},
		{math.Inf(1), 2, 10},
	}
	for _, tt := range tests {
		if got := r.WithinPoint(tt.lat, tt.lon, tt.km); got != nil {
			t.Errorf("WithinPoint(%v, %v, %v) = %d results, want nil", tt.lat, tt.lon, tt.km, len(got))
		}
	}
	// In the middle of the Atlantic there is nothing.
	if got := r.WithinPoint(40, -40, 100); len(got) != 0 {
		t.Errorf("WithinPoint in the Atlantic = %d results, want none", len(got))
	}
}
