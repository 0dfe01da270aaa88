package pluginhost

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic"
	"github.com/campagnon/campagnon/sdk/abi"
)

// TestConcurrentQuotes hammers one module from P goroutines × N quotes;
// every answer must be the native one for its request.
func TestConcurrentQuotes(t *testing.T) {
	const P, N = 8, 100
	h, _ := newHost(t, Config{MaxInstances: 4})
	m := load(t, h, "good")
	modes := []string{abi.ModeFree, abi.ModeTimeCredits, abi.ModeCESUDeclaratif, abi.ModeCESUPrefinance}
	cats := []string{"jardinage", "bricolage", "mobilite"}
	var wg sync.WaitGroup
	for p := 0; p < P; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			native := guestlogic.NewState()
			for i := 0; i < N; i++ {
				req := quoteReq(cats[(p+i)%len(cats)], abi.ModalityResident, modes[i%len(modes)])
				req.Minutes = 30 + p*7 + i
				req.Occurrences = 1 + i%5
				req.Solidarity = i%3 == 0
				want, ref := native.Quote(req)
				got, err := m.Quote(context.Background(), req)
				if ref != nil {
					var re *RefusalError
					if !errors.As(err, &re) || re.Refusal.Code != ref.Code {
						t.Errorf("p%d i%d: %v, want refusal %s", p, i, err, ref.Code)
						return
					}
					continue
				}
				if err != nil {
					t.Errorf("p%d i%d: %v", p, i, err)
					return
				}
				got.Notes, want.Notes = nil, nil
				if !reflect.DeepEqual(got, want) {
					t.Errorf("p%d i%d:\n got %+v\nwant %+v", p, i, got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	s := m.Stats()
	if s.Faults != 0 || s.Instances > 4 {
		t.Errorf("stats = %+v", s)
	}
	t.Logf("%d calls, %d instances, %d refusals", s.Calls, s.Instances, s.Refusals)
}
