// Command good is the well-behaved test guest: every operation with
// encoding/json, the configuration protocol, a log line at describe.
package main

import _ "github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic/glue"

func main() {}
