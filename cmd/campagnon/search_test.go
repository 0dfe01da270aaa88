package main

import (
	"testing"

	"github.com/campagnon/campagnon/core/store/storetest"
)

// TestSearchCommands: reindex shows its progress and rebuilds the index,
// search check compares it with the database; bad arguments are refused.
func TestSearchCommands(t *testing.T) {
	t.Parallel()
	tg := storetest.New(t, "sqlite")
	runSteps(t, tg, []step{
		{args: []string{"reindex"}, code: 3, stderr: []string{"migrate up"}},
		{args: []string{"migrate", "up"}, stdout: []string{"appliquée"}},
		{args: []string{"reindex"}, stdout: []string{"Index reconstruit", "0 annonce(s) indexée(s)"}, stderr: []string{"réindexation : 0 / 0 annonces"}},
		{args: []string{"search", "check"}, stdout: []string{"0 annonce(s) visible(s)", "Aucune différence"}},
		{args: []string{"search"}, code: 2, stderr: []string{"Usage", "search check"}},
		{args: []string{"search", "find"}, code: 2, stderr: []string{"sous-commande inconnue"}},
		{args: []string{"reindex", "tout"}, code: 2, stderr: []string{"en trop"}},
	})
}
