package referential

import (
	"bytes"
	"compress/gzip"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
)

// Each benchmark runs beside its baseline, so that one run gives the
// ratios: go test -run x -bench . -benchmem ./core/referential/

// BenchmarkLoad builds the referential from the embedded file, and reports
// the heap it keeps (heap-MB, after garbage collection).
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	heap := retainedHeapMB(b)
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(heap, "heap-MB")
}

// retainedHeapMB returns the live heap that one Load adds, in MB.
func retainedHeapMB(tb testing.TB) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	r, err := Load()
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(r)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / 1e6
}

// BenchmarkLoadBaselineGunzip only decompresses the embedded file.
func BenchmarkLoadBaselineGunzip(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(embedded))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, zr); err != nil {
			b.Fatal(err)
		}
	}
}

// searchQueries is a realistic mix of name queries: prefixes of real names
// typed carelessly (no accents, any case, abbreviations, without the
// article), and the short queries of someone who starts typing.
func searchQueries(r *Referential) []string {
	rng := rand.New(rand.NewPCG(7, 11))
	qs := []string{"saint", "st", "la", "le", "s", "ferte st aubin", "marcilly en v", "isle adam",
		"saint-ouen", "paris", "lyon", "orleans", "mont", "ville", "ch", "bea"}
	communes := r.Communes()
	for i := 0; i < len(communes); i += 37 {
		qs = append(qs, carelessPrefix(rng, communes[i].Name))
	}
	return qs
}

// carelessPrefix returns a prefix of name of random length as someone might
// type it.
func carelessPrefix(rng *rand.Rand, name string) string {
	q := []rune(name)
	n := 2 + rng.IntN(max(len(q)-1, 1))
	q = q[:min(n, len(q))]
	s := string(q)
	switch rng.IntN(6) {
	case 0:
		s = strings.ToLower(s)
	case 1:
		s = strings.ToUpper(s)
	case 2:
		s = strings.NewReplacer("Saint-", "st ", "Sainte-", "ste ", "-sur-", " s/ ").Replace(s)
	case 3:
		s = strings.Map(func(r rune) rune {
			if r == '-' || r == '\'' {
				return ' '
			}
			return unicode.ToLower(r)
		}, s)
	case 4:
		for _, a := range []string{"La ", "Le ", "Les ", "L'"} {
			s = strings.TrimPrefix(s, a)
		}
	}
	return s
}

func BenchmarkSearchName(b *testing.B) {
	r := testRef(b)
	qs := searchQueries(r)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.SearchName(qs[i%len(qs)], 10)
		i++
	}
}

// BenchmarkSearchNameLinearScan is the baseline: the same queries answered
// by scanning the normalized names of all communes with strings.HasPrefix.
func BenchmarkSearchNameLinearScan(b *testing.B) {
	r := testRef(b)
	qs := searchQueries(r)
	communes := r.Communes()
	keys := make([]string, len(communes))
	for i, c := range communes {
		keys[i] = strings.ReplaceAll(Normalize(c.Name), " ", "")
	}
	b.ReportAllocs()
	i := 0
	var found []*Commune
	for b.Loop() {
		q := strings.ReplaceAll(Normalize(qs[i%len(qs)]), " ", "")
		i++
		found = found[:0]
		for j, k := range keys {
			if strings.HasPrefix(k, q) {
				found = append(found, communes[j])
			}
		}
		slices.SortFunc(found, byPopulationThenINSEE)
		_ = found[:min(len(found), 10)]
	}
}

// BenchmarkSearchNameLatency times one query per commune (a careless prefix
// of its name) and reports the percentiles of the time per query.
func BenchmarkSearchNameLatency(b *testing.B) {
	r := testRef(b)
	rng := rand.New(rand.NewPCG(3, 5))
	var qs []string
	for _, c := range r.Communes() {
		qs = append(qs, carelessPrefix(rng, c.Name))
	}
	var samples []time.Duration
	for b.Loop() {
		for _, q := range qs {
			start := time.Now()
			r.SearchName(q, 10)
			samples = append(samples, time.Since(start))
		}
	}
	slices.Sort(samples)
	pct := func(p float64) float64 {
		return float64(samples[int(p*float64(len(samples)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(pct(1), "max-µs")
	b.ReportMetric(float64(len(qs)), "queries/op")
}

func BenchmarkCommune(b *testing.B) {
	r := testRef(b)
	codes := make([]string, 0, len(r.communes))
	for _, c := range r.Communes() {
		codes = append(codes, c.INSEE)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := r.Commune(codes[i%len(codes)]); !ok {
			b.Fatal("not found")
		}
		i++
	}
}

// BenchmarkCommuneBaselineMap looks up a plain map of the same size.
func BenchmarkCommuneBaselineMap(b *testing.B) {
	r := testRef(b)
	m := make(map[string]string, len(r.communes))
	codes := make([]string, 0, len(r.communes))
	for _, c := range r.Communes() {
		m[c.INSEE] = c.Name
		codes = append(codes, c.INSEE)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m[codes[i%len(codes)]]; !ok {
			b.Fatal("not found")
		}
		i++
	}
}

func postalCodes(r *Referential) []string {
	var cps []string
	for cp := range r.byPostal {
		cps = append(cps, cp)
	}
	slices.Sort(cps)
	return cps
}

func BenchmarkByPostalCode(b *testing.B) {
	r := testRef(b)
	cps := postalCodes(r)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if len(r.ByPostalCode(cps[i%len(cps)])) == 0 {
			b.Fatal("not found")
		}
		i++
	}
}

// BenchmarkByPostalCodeBaselineMap looks up a map[string]string of the
// same size.
func BenchmarkByPostalCodeBaselineMap(b *testing.B) {
	r := testRef(b)
	cps := postalCodes(r)
	m := make(map[string]string, len(cps))
	for _, cp := range cps {
		m[cp] = r.ByPostalCode(cp)[0].INSEE
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := m[cps[i%len(cps)]]; !ok {
			b.Fatal("not found")
		}
		i++
	}
}

// withinSample is the communes around which the Within benchmarks search.
func withinSample(r *Referential) []*Commune {
	var out []*Commune
	for i, c := range r.Communes() {
		if c.HasCentre && i%97 == 0 {
			out = append(out, c)
		}
	}
	return out
}

// BenchmarkWithin finds the communes within 20 km of a commune.
func BenchmarkWithin(b *testing.B) {
	r := testRef(b)
	sample := withinSample(r)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.Within(sample[i%len(sample)].INSEE, 20); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkWithinLinearScan is the baseline: the same searches by
// computing the distance to every commune.
func BenchmarkWithinLinearScan(b *testing.B) {
	r := testRef(b)
	sample := withinSample(r)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := sample[i%len(sample)]
		withinLinear(r, c.Lat, c.Lon, 20)
		i++
	}
}

// TestLookupsDoNotAllocate checks the zero-allocation promise of the
// lookups.
func TestLookupsDoNotAllocate(t *testing.T) {
	r := testRef(t)
	allocs := testing.AllocsPerRun(1000, func() {
		r.Commune("45146")
		r.ByPostalCode("45240")
		r.Commune("00000")
		r.ByPostalCode("00000")
		r.EPCI("200005932")
	})
	if allocs != 0 {
		t.Errorf("lookups allocate %v times per run, want 0", allocs)
	}
}

// TestLoadHeap checks the heap the referential keeps, within the 30 MB
// budget.
func TestLoadHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("measures the heap")
	}
	if mb := retainedHeapMB(t); mb > 30 {
		t.Errorf("the referential keeps %.1f MB of heap, want at most 30", mb)
	}
}
