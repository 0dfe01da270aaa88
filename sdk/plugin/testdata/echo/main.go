// Command echo is the SDK's test plugin, built to WebAssembly by the
// plugin package's tests:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o echo.wasm .
package main

import (
	"github.com/campagnon/campagnon/sdk/internal/echo"
	"github.com/campagnon/campagnon/sdk/plugin"
)

func init() { plugin.Register(echo.Handlers()) }

func main() {}
