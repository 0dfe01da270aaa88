package main

import (
	"testing"

	"github.com/campagnon/campagnon/plugins/standard/rules/rulestest"
)

func TestGolden(t *testing.T) {
	rulestest.RunGolden(t, handlers, "testdata/golden")
}
