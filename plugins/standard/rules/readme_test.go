package rules

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// TestReadmeExampleCompiles keeps the configuration example of the
// standard plugin's README valid.
func TestReadmeExampleCompiles(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "```json\n")
	end := strings.Index(s[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("no JSON example in the README")
	}
	p := compileT(t, s[start+8:start+8+end])
	r := qreq("jardin", "professional", "professional", 60, 1, dist(9000), withSAP())
	q, err := p.Quote(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), r)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Check(r); err != nil {
		t.Fatal(err)
	}
	// 30 € of labour, 18 km − 10 free at 0,40 €, 2 % commission.
	if q.TotalCents != 3000+320+66 || q.TaxCreditBucket != abi.BucketGardening {
		t.Errorf("quote %+v", q)
	}
}
