package main

import (
	"testing"

	"github.com/campagnon/campagnon/sdk/golden"
)

func TestGolden(t *testing.T) {
	golden.Run(t, handlers, "testdata/golden")
}
