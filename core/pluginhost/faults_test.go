package pluginhost

import (
	"context"
	"errors"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/campagnon/campagnon/sdk/abi"
)

// TestCrashLoopCutOff: repeated faults cut the module off (fail fast, a
// French message for the territory admin), then after the cooldown it
// serves again.
func TestCrashLoopCutOff(t *testing.T) {
	const cooldown = 300 * time.Millisecond
	h, rec := newHost(t, Config{FaultLimit: 3, FaultWindow: time.Minute, Cooldown: cooldown})
	m := load(t, h, "hostile")
	good := load(t, h, "good")
	for i := 0; i < 3; i++ {
		if _, err := m.Quote(context.Background(), quoteReq("panic", abi.ModalityResident, abi.ModeFree)); kindOf(err) != KindTrap {
			t.Fatalf("fault %d: %v, want KindTrap", i, err)
		}
	}
	start := time.Now()
	_, err := m.Quote(context.Background(), quoteReq("ok", abi.ModalityResident, abi.ModeFree))
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindCutOff || !errors.Is(err, ErrCutOff) {
		t.Fatalf("after 3 faults: %v, want KindCutOff", err)
	}
	if time.Since(start) > 50*time.Millisecond {
		t.Errorf("a cut-off call took %v; it must fail fast", time.Since(start))
	}
	if e.RetryAfter <= 0 || e.RetryAfter > cooldown {
		t.Errorf("RetryAfter = %v", e.RetryAfter)
	}
	fr, en := e.PublicMessage()
	if !strings.Contains(fr, "suspendu") || !strings.Contains(fr, "administrateur du territoire") || !strings.Contains(fr, "test.hostile@0.6.6") || en == "" {
		t.Errorf("cut-off message: %q / %q", fr, en)
	}
	if _, err := m.Call(context.Background(), abi.OpDescribe, []byte(`{}`)); kindOf(err) != KindCutOff {
		t.Errorf("raw call while cut off: %v", err)
	}
	if s := m.Stats(); s.CutOffFor <= 0 || s.Faults != 3 {
		t.Errorf("stats while cut off: %+v", s)
	}
	if len(rec.find("cut off")) != 1 {
		t.Errorf("the cut-off was not logged once")
	}
	// The operator's log of a fault carries the end of the guest's stderr:
	// the Go panic message.
	if faults := rec.find("plugin fault"); len(faults) == 0 || !strings.Contains(attr(faults[0], "stderr"), "hostile: panic on purpose") {
		t.Errorf("fault log without the panic message: %v", faults)
	}
	// Other modules are not affected.
	mustQuote(t, good, "jardinage")

	time.Sleep(cooldown - time.Since(start) + 20*time.Millisecond)
	mustQuote(t, m, "ok")
	if s := m.Stats(); s.CutOffFor != 0 {
		t.Errorf("still cut off: %+v", s)
	}
	// The fault history starts afresh: one more fault does not cut it off.
	_, _ = m.Quote(context.Background(), quoteReq("panic", abi.ModalityResident, abi.ModeFree))
	mustQuote(t, m, "ok")
}

// TestMemoryAfterHostileCalls runs 10,000 hostile calls (traps, panics,
// exits, bad output, memory blow-ups, timeouts) and checks that the host's
// heap and instance count come back within 10 % of where they started.
func TestMemoryAfterHostileCalls(t *testing.T) {
	total := 10_000
	if testing.Short() {
		total = 1_000
	}
	const workers = 4
	h, _ := newHost(t, Config{MaxInstances: workers, CallTimeout: 50 * time.Millisecond, MaxMemoryPages: 128, FaultLimit: -1})
	m := load(t, h, "hostile")
	good := load(t, h, "good")
	mix := []string{"panic", "not-json", "huge", "outside", "negative", "unreachable", "exit", "bad-total", "currency", "not-envelope"}
	var kinds sync.Map
	run := func(n int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n {
						return
					}
					cat := mix[i%len(mix)]
					switch {
					case i%500 == 7:
						cat = "loop" // a timeout: 50 ms each, so only a few
					case i%250 == 3:
						cat = "grow" // 8 MiB of guest memory each
					}
					_, err := m.Quote(context.Background(), quoteReq(cat, abi.ModalityResident, abi.ModeFree))
					k := kindOf(err)
					if k == 0 || !k.Fault() {
						t.Errorf("%s: %v, want a fault", cat, err)
						return
					}
					c, _ := kinds.LoadOrStore(k, new(atomic.Int64))
					c.(*atomic.Int64).Add(1)
				}
			}()
		}
		wg.Wait()
	}
	measure := func() (heap uint64, instances int) {
		// As the janitor would after IdleTimeout: one warm instance per module.
		waitFor(t, "background warm-ups to finish", 5*time.Second, func() bool { return !m.pool.warming.Load() })
		for _, mod := range h.loaded() {
			mod.pool.reap(time.Now().UnixNano()+1, 1)
		}
		runtime.GC()
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc, h.Stats().Instances
	}
	run(200) // warm-up: pools at their working size, lazily built caches built
	mustQuote(t, good, "jardinage")
	mustQuote(t, m, "ok")
	heap0, inst0 := measure()
	start := time.Now()
	run(total)
	elapsed := time.Since(start)
	mustQuote(t, good, "jardinage")
	mustQuote(t, m, "ok")
	heap1, inst1 := measure()

	var summary []string
	kinds.Range(func(k, v any) bool {
		summary = append(summary, k.(Kind).String()+"="+strconv.FormatInt(v.(*atomic.Int64).Load(), 10))
		return true
	})
	t.Logf("%d hostile calls in %v (%v each on %d workers): %s", total, elapsed.Round(time.Millisecond),
		(elapsed / time.Duration(total)).Round(time.Microsecond), workers, strings.Join(summary, " "))
	t.Logf("heap %d KiB → %d KiB (%+.1f %%), instances %d → %d", heap0>>10, heap1>>10,
		100*(float64(heap1)-float64(heap0))/float64(heap0), inst0, inst1)
	if float64(heap1) > 1.10*float64(heap0) {
		t.Errorf("heap grew from %d to %d bytes: more than 10 %%", heap0, heap1)
	}
	if inst1 > inst0+inst0/10 {
		t.Errorf("instances grew from %d to %d", inst0, inst1)
	}
	if s := m.Stats(); s.Faults < uint64(total) {
		t.Errorf("faults = %d, want ≥ %d", s.Faults, total)
	}
}
