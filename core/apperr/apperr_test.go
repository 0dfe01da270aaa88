package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestKindsMapToOneStatusAndExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   Kind
		status int
		exit   int
	}{
		{KindInternal, http.StatusInternalServerError, 1},
		{KindInvalid, http.StatusBadRequest, 2},
		{KindNotFound, http.StatusNotFound, 2},
		{KindConflict, http.StatusConflict, 2},
		{KindUnavailable, http.StatusServiceUnavailable, 3},
		{KindForbidden, http.StatusForbidden, 1},
		{KindUnauthenticated, http.StatusUnauthorized, 1},
		{KindTooLarge, http.StatusRequestEntityTooLarge, 2},
		{KindRateLimited, http.StatusTooManyRequests, 1},
		{KindMethodNotAllowed, http.StatusMethodNotAllowed, 2},
		{KindRefused, http.StatusUnprocessableEntity, 2},
	}
	names := map[string]bool{}
	for _, tt := range tests {
		if got := tt.kind.HTTPStatus(); got != tt.status {
			t.Errorf("%s.HTTPStatus() = %d, want %d", tt.kind, got, tt.status)
		}
		if got := tt.kind.ExitCode(); got != tt.exit {
			t.Errorf("%s.ExitCode() = %d, want %d", tt.kind, got, tt.exit)
		}
		if names[tt.kind.String()] {
			t.Errorf("two kinds are named %s", tt.kind)
		}
		names[tt.kind.String()] = true
	}
}

func TestAsHidesUnknownErrors(t *testing.T) {
	t.Parallel()
	e := As(fmt.Errorf("query: %w", errors.New("password=secret")))
	if e.Kind != KindInternal || strings.Contains(e.Message, "secret") || e.Cause == nil {
		t.Errorf("As leaked or lost the cause: %+v", e)
	}
	wrapped := fmt.Errorf("context: %w", New(KindNotFound, "x_not_found", "X introuvable.", "X not found."))
	if got := As(wrapped); got.Code != "x_not_found" || KindOf(wrapped) != KindNotFound {
		t.Errorf("As did not find the wrapped error: %+v", got)
	}
	cause := errors.New("disk full")
	w := Wrap(cause, KindUnavailable, "db", "Base indisponible.", "Database unavailable.")
	if !errors.Is(w, cause) || !strings.Contains(w.Error(), "disk full") {
		t.Errorf("Wrap lost its cause: %v", w)
	}
}
