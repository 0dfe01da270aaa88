package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/uptrace/bun"
)

// Environment of the crash writer process started by TestCrashDurability.
const (
	crashDriverEnv = "CAMPAGNON_CRASH_WRITER" // driver; set only in the child
	crashTargetEnv = "CAMPAGNON_CRASH_TARGET" // SQLite path or PostgreSQL DSN
)

const (
	crashMaxAcks = 2000                    // kill the writer after this many acknowledged commits...
	crashMaxTime = 1500 * time.Millisecond // ...or after this long, whichever comes first
)

// TestMain runs the crash writer when the test binary is re-executed as
// TestCrashDurability's child process, and the tests otherwise.
func TestMain(m *testing.M) {
	if driver := os.Getenv(crashDriverEnv); driver != "" {
		crashWriter(driver, os.Getenv(crashTargetEnv))
		return
	}
	os.Exit(m.Run())
}

// crashWriter is the writer process of TestCrashDurability. It inserts
// rows, one per WriteTx, and prints "ack <id>" on stdout after each commit
// returns, until it is killed (or, as a safety net, for 20 s).
func crashWriter(driver, target string) {
	o := Options{Driver: driver, Logger: slog.New(slog.DiscardHandler)}
	if driver == string(DialectPostgres) {
		o.PostgresDSN = target
	} else {
		o.SQLitePath = target
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash writer: %v\n", err)
		os.Exit(3)
	}
	payload := strings.Repeat("campagnon ", 40)
	for id := 1; ctx.Err() == nil; id++ {
		err := s.WriteTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO crash_rows (id, payload) VALUES (?, ?)", id, payload)
			return err
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "crash writer: insert %d: %v\n", id, err)
			os.Exit(3)
		}
		// One write(2) per line: the parent never sees half an ack.
		if _, err := os.Stdout.WriteString("ack " + strconv.Itoa(id) + "\n"); err != nil {
			os.Exit(4)
		}
	}
	os.Exit(0) // not reached in practice: the parent kills the process
}

// TestCrashDurability kills a writer process with SIGKILL in the middle of
// its writes, then checks that every row whose commit the writer saw return
// is in the database, and that the database is intact.
func TestCrashDurability(t *testing.T) {
	forEachTarget(t, func(t *testing.T, o Options) {
		target := o.SQLitePath
		if o.Driver == string(DialectPostgres) {
			target = o.PostgresDSN
		}
		s := openStore(t, o)
		mustWrite(t, s, "CREATE TABLE crash_rows (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)")
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}

		acked, childErr := runCrashWriter(t, o.Driver, target)

		s = openStore(t, o)
		ctx := testCtx(t)
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Fatalf("IntegrityCheck after the crash: %v", err)
		}
		present := map[int]bool{}
		rows, err := s.DB().QueryContext(ctx, "SELECT id FROM crash_rows")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			present[id] = true
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		var lost []int
		for _, id := range acked {
			if !present[id] {
				lost = append(lost, id)
			}
		}
		if len(lost) > 0 {
			t.Fatalf("%d acknowledged rows lost after the crash (first: %v); child: %s", len(lost), lost[:min(len(lost), 10)], childErr)
		}
		if len(present) < len(acked) || len(present) > len(acked)+1 {
			t.Errorf("%d rows present for %d acknowledged, want the acknowledged ones plus at most one in flight",
				len(present), len(acked))
		}
		t.Logf("writer killed after %d acknowledged commits; %d rows present, integrity ok", len(acked), len(present))
	})
}

// runCrashWriter runs crashWriter in a child process, kills it with
// SIGKILL after crashMaxAcks acknowledgements or crashMaxTime, and returns
// the acknowledged ids along with what the child wrote on stderr.
func runCrashWriter(t *testing.T, driver, target string) ([]int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), crashDriverEnv+"="+driver, crashTargetEnv+"="+target)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start crash writer: %v", err)
	}

	ids := make(chan int, 256)
	readDone := make(chan error, 1)
	go func() {
		defer close(ids)
		r := bufio.NewReader(stdout)
		for {
			line, err := r.ReadString('\n')
			if err != nil { // io.EOF, possibly after a fragment without '\n': not an ack
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readDone <- err
				return
			}
			if rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "ack "); ok {
				if id, err := strconv.Atoi(rest); err == nil {
					ids <- id
				}
			}
		}
	}()

	var acked []int
	timer := time.NewTimer(crashMaxTime)
	defer timer.Stop()
	killed := false
	kill := func() {
		if !killed {
			killed = true
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Errorf("kill crash writer: %v", err)
			}
		}
	}
	for ids != nil {
		select {
		case id, ok := <-ids:
			if !ok {
				ids = nil
				break
			}
			acked = append(acked, id)
			if len(acked) >= crashMaxAcks {
				kill()
			}
		case <-timer.C:
			kill()
		}
	}
	if err := <-readDone; err != nil {
		t.Errorf("read crash writer output: %v", err)
	}
	waitErr := cmd.Wait()
	if !killed {
		t.Fatalf("crash writer exited by itself (%v) after %d acks: %s", waitErr, len(acked), stderr.String())
	}
	var exitErr *exec.ExitError
	if !errors.As(waitErr, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("crash writer ended with %v, want death by SIGKILL: %s", waitErr, stderr.String())
	}
	if len(acked) < 10 {
		t.Fatalf("only %d commits acknowledged before the kill, too few to test anything: %s", len(acked), stderr.String())
	}
	return acked, stderr.String()
}
