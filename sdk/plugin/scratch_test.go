package plugin_test

import (
	"testing"

	"github.com/campagnon/campagnon/sdk/abi"
	"github.com/campagnon/campagnon/sdk/internal/echo"
	"github.com/campagnon/campagnon/sdk/plugin"
)

// TestScratchIsKeptBetweenCalls: what a handler leaves in Ctx.Scratch is
// there at the next call of the same instance, and only of that instance.
func TestScratchIsKeptBetweenCalls(t *testing.T) {
	t.Parallel()
	const config = `{"hourly_cents":1800,"cents_per_km":32}`
	var seen []any
	h := plugin.Handlers{
		Manifest:    abi.Manifest{ID: "scratch", Name: "Scratch", Version: "1.0.0"},
		ParseConfig: echo.ParseConfig,
		Quote: func(c *plugin.Ctx, q *abi.QuoteRequest) (*abi.Quote, error) {
			seen = append(seen, c.Scratch)
			if c.Scratch == nil {
				c.Scratch = new(int)
			}
			return staticQuote, nil
		},
	}
	r := plugin.NewRunner(h)
	for _, withConfig := range []bool{true, false, false} {
		if _, err := r.Call(abi.OpQuote, quoteInput(t, config, withConfig)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := plugin.NewRunner(h).Call(abi.OpQuote, quoteInput(t, config, true)); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 || seen[0] != nil || seen[1] == nil || seen[2] != seen[1] || seen[3] != nil {
		t.Errorf("Scratch seen by the calls: %v; want nil, then the same value twice, then nil in another runner", seen)
	}
}
