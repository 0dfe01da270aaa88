// Command goodv2 is the well-behaved test guest at version 2.0.0, the
// replacement in the hot-replacement test.
package main

import (
	"github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic"
	_ "github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic/glue"
)

func init() { guestlogic.Version = "2.0.0" }

func main() {}
