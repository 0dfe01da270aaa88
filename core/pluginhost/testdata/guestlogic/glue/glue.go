//go:build wasip1

// Package glue exports the ABI of the well-behaved test guest with raw
// //go:wasmexport and //go:wasmimport directives (not sdk/plugin: the
// host's tests must not depend on the SDK's glue).
package glue

import (
	"unsafe"

	"github.com/campagnon/campagnon/core/pluginhost/testdata/guestlogic"
)

var (
	state  = guestlogic.NewState()
	inBuf  []byte
	outBuf []byte
	logBuf []byte
)

func init() {
	state.Log = func(level int32, msg string) {
		logBuf = append(logBuf[:0], msg...)
		hostLog(level, ptrOf(logBuf), uint32(len(logBuf)))
	}
}

//go:wasmimport campagnon log
func hostLog(level int32, ptr, n uint32)

func ptrOf(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

//go:wasmexport campagnon_abi_v1
func abiMarker() {}

//go:wasmexport campagnon_alloc
func alloc(size int32) int32 {
	inBuf = make([]byte, size)
	return int32(ptrOf(inBuf))
}

//go:wasmexport campagnon_free
func free(ptr, size int32) { inBuf = nil }

func run(op string, ptr, n int32) int64 {
	in := unsafe.Slice((*byte)(unsafe.Pointer(uintptr(ptr))), n)
	outBuf = state.Handle(op, in)
	return int64(ptrOf(outBuf))<<32 | int64(len(outBuf))
}

//go:wasmexport campagnon_describe
func describe(ptr, n int32) int64 { return run("describe", ptr, n) }

//go:wasmexport campagnon_categories
func categories(ptr, n int32) int64 { return run("categories", ptr, n) }

//go:wasmexport campagnon_quote
func quote(ptr, n int32) int64 { return run("quote", ptr, n) }

//go:wasmexport campagnon_payment_modes
func paymentModes(ptr, n int32) int64 { return run("payment_modes", ptr, n) }

//go:wasmexport campagnon_validate_listing
func validateListing(ptr, n int32) int64 { return run("validate_listing", ptr, n) }
