package bleve

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"
)

func BenchmarkSlow(b *testing.B) {
	d := indexed(b)
	qs := queryMix(d.places, 500)
	type r struct {
		d     time.Duration
		i     int
		total int
	}
	var rs []r
	for i, q := range qs {
		s := time.Now()
		res, err := d.engine.Search(context.Background(), q)
		if err != nil {
			b.Fatal(err)
		}
		rs = append(rs, r{time.Since(s), i, res.Total})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	for _, x := range rs[:25] {
		q := qs[x.i]
		fmt.Printf("%v total=%d text=%q kind=%s cat=%s mode=%s r=%g sort=%s facets=%v\n", x.d, x.total, q.Text, q.Kind, q.Category, q.Mode, q.RadiusKm, q.Sort, q.Facets)
	}
	b.SkipNow()
}
